// Tests of the de national identifier rules (de_ids.cpp).
#include <gtest/gtest.h>
