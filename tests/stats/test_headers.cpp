// Every public header compiles on its own (includes what it uses) and together.
#include "ldnsim/stats/all.hpp"

#include <gtest/gtest.h>

TEST(StatsHeaders, AlternativeNames) {
  EXPECT_STREQ(ldnsim::stats::to_string(ldnsim::stats::Alternative::TwoSided), "two.sided");
  EXPECT_STREQ(ldnsim::stats::to_string(ldnsim::stats::Alternative::Less), "less");
  EXPECT_STREQ(ldnsim::stats::to_string(ldnsim::stats::Alternative::Greater), "greater");
}
