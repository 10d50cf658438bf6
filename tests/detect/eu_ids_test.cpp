// Tests of the eu national identifier rules (eu_ids.cpp).
#include <gtest/gtest.h>
