// Tests of the asia national identifier rules (asia_ids.cpp).
#include <gtest/gtest.h>
