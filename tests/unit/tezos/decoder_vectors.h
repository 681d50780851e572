// Helpers shared by the sign-request decoder tests: the JSON vectors of testdata/tezos (through
// the shared cached loader of tests/unit/test_support.h) and capturing the Error a decode throws.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "common/bytes.h"
#include "common/error.h"
#include "test_support.h"

namespace signatory::tezos::testing {

inline const nlohmann::json& load_vectors(const std::string& name) {
  return ::signatory::testing::tezos_vectors(name);
}

// The message of the Error(400) that `f` throws; fails the test if it throws nothing or
// another status.
template <typename F>
std::string error_400(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected Error(400), nothing thrown";
  return {};
}

// Runs `f`, accepting success or an Error(400), nothing else (no other exception, no crash).
template <typename F>
void succeeds_or_400(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::BadRequest) << e.what();
  }
}

}  // namespace signatory::tezos::testing
