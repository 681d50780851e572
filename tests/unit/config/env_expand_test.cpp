// Tests of env_expand.cpp: `$VAR` / `${VAR}` expansion with Go's os.ExpandEnv rules.
#include "config/env_expand.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace signatory::config {
namespace {

class EnvExpand : public testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(setenv("SIG_T_HOME", "/home/baker", 1), 0);
    ASSERT_EQ(setenv("SIG_T_EMPTY", "", 1), 0);
    ASSERT_EQ(unsetenv("SIG_T_UNSET"), 0);
  }
};

TEST_F(EnvExpand, Names) {
  EXPECT_EQ(expand_env("$SIG_T_HOME/x"), "/home/baker/x");
  EXPECT_EQ(expand_env("${SIG_T_HOME}x"), "/home/bakerx");
  EXPECT_EQ(expand_env("a${SIG_T_UNSET}b$SIG_T_EMPTY/c"), "ab/c");
  EXPECT_EQ(expand_env("$SIG_T_HOME$SIG_T_HOME"), "/home/baker/home/baker");
  EXPECT_EQ(expand_env("no variables"), "no variables");
  EXPECT_EQ(expand_env(""), "");
}

TEST_F(EnvExpand, GoEdgeCases) {
  EXPECT_EQ(expand_env("cost: 5$"), "cost: 5$") << "a final $ stays";
  EXPECT_EQ(expand_env("a$/b"), "a$/b") << "$ not followed by a name stays";
  EXPECT_EQ(expand_env("a${}b"), "ab") << "bad syntax ${} is dropped";
  EXPECT_EQ(expand_env("a${SIG_T_HOME"), "aSIG_T_HOME") << "Go drops an unclosed ${";
}

}  // namespace
}  // namespace signatory::config
