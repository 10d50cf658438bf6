// Tests of the world national identifier rules (world_ids.cpp).
#include <gtest/gtest.h>
