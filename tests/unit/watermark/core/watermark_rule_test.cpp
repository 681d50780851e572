// The high-water mark rule, first as the pure `judge` function, then through `guard` of both
// backends (mem and file): above/below level, same level lower/higher round, identical bytes
// get the first signature back, other bytes at the same level/round get 409, slots are
// independent, a failing sign leaves the mark untouched, `raise` never lowers. Requests are
// the consensus vectors of testdata/tezos/consensus.json.
#include "watermark/core/watermark_rule.h"

#include <gtest/gtest.h>

#include "../watermark_test_support.h"

namespace signatory::watermark {
namespace {

using namespace testing;

Mark mark_of(const Request& r, std::optional<tezos::Signature> sig = std::nullopt) {
  Mark m;
  m.level = r.level;
  m.round = r.round;
  m.digest = r.digest;
  m.signature = std::move(sig);
  return m;
}

TEST(WatermarkRule, NoMarkSigns) {
  const Request r = request("block_signatory_A1");
  EXPECT_EQ(judge(std::nullopt, r.level, r.round, r.digest), Verdict::Sign);
}

TEST(WatermarkRule, LevelAndRoundOrder) {
  const Request r0 = request("preattestation_mainnet_r0");       // 12180923 round 0
  const Request r1 = request("preattestation_mainnet_r1");       // 12180923 round 1
  const Request up = request("attestation_mainnet_slot_65535");  // 12180924 round 2
  ASSERT_EQ(r0.level, r1.level);
  ASSERT_LT(r0.round, r1.round);
  const Mark at_r1 = mark_of(r1, signature(1));
  EXPECT_EQ(judge(at_r1, r0.level, r0.round, r0.digest), Verdict::Reject);  // lower round
  EXPECT_EQ(judge(at_r1, up.level, up.round, up.digest), Verdict::Sign);    // higher level
  EXPECT_EQ(judge(at_r1, up.level, 0, up.digest), Verdict::Sign);  // higher level, lower round
  EXPECT_EQ(judge(mark_of(r0), r1.level, r1.round, r1.digest), Verdict::Sign);    // higher round
  EXPECT_EQ(judge(mark_of(up), r1.level, r1.round, r1.digest), Verdict::Reject);  // lower level
}

TEST(WatermarkRule, RaiseByMaximumSaysWhatItDid) {
  Mark stored;
  stored.level = 10;
  stored.round = 2;
  stored.signature = signature(1);
  auto at = [](std::int32_t level, std::int32_t round) {
    Mark m;
    m.level = level;
    m.round = round;
    return m;
  };
  std::optional<Mark> none;
  EXPECT_EQ(judge_raise(none, at(1, 0)).outcome, RaiseOutcome::Raised);
  EXPECT_FALSE(judge_raise(none, at(1, 0)).kept);
  const std::optional<Mark> some = stored;
  for (const auto& [m, outcome] :
       {std::pair{at(10, 3), RaiseOutcome::Raised}, std::pair{at(11, 0), RaiseOutcome::Raised},
        std::pair{at(10, 2), RaiseOutcome::Equal},
        std::pair{at(10, 1), RaiseOutcome::AlreadyHigher},
        std::pair{at(9, 9), RaiseOutcome::AlreadyHigher}}) {
    SCOPED_TRACE(std::to_string(m.level) + "/" + std::to_string(m.round));
    const RaiseResult r = judge_raise(some, m);
    EXPECT_EQ(r.outcome, outcome);
    EXPECT_EQ(r.raised(), outcome == RaiseOutcome::Raised);
    EXPECT_EQ(r.kept.has_value(), !r.raised());
    if (r.kept) {
      EXPECT_TRUE(same_mark(*r.kept, stored));
    }
    // raise_mark applies exactly that.
    std::optional<Mark> target = stored;
    EXPECT_EQ(raise_mark(target, m).outcome, outcome);
    EXPECT_TRUE(same_mark(*target, r.raised() ? m : stored));
    std::map<Slot, Mark> table;
    const Slot slot = request("attestation_mainnet_r0").slot(delegate(0));
    EXPECT_EQ(raise_mark(table, slot, stored).outcome, RaiseOutcome::Raised);
    EXPECT_EQ(raise_mark(table, slot, m).outcome, outcome);
    EXPECT_TRUE(same_mark(table.at(slot), r.raised() ? m : stored));
  }
}

TEST(WatermarkRule, SameDigest) {
  const Request r = request("attestation_mainnet_r0");
  const Request other = request("bls_attestation_mainnet");  // same level and round
  ASSERT_EQ(r.level, other.level);
  ASSERT_EQ(r.round, other.round);
  ASSERT_NE(r.digest, other.digest);
  EXPECT_EQ(judge(mark_of(r, signature(7)), r.level, r.round, r.digest), Verdict::ReturnStored);
  // Imported mark: digest without signature → sign again.
  EXPECT_EQ(judge(mark_of(r), r.level, r.round, r.digest), Verdict::Sign);
  EXPECT_EQ(judge(mark_of(r, signature(7)), other.level, other.round, other.digest),
            Verdict::Reject);
  // A mark without digest (e.g. imported without hash) blocks even the same bytes.
  Mark no_digest = mark_of(r);
  no_digest.digest.reset();
  EXPECT_EQ(judge(no_digest, r.level, r.round, r.digest), Verdict::Reject);
}

class GuardRules : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { backend_ = make_backend(GetParam()); }
  Watermark& store() { return *backend_.store; }
  Backend backend_;
};

TEST_P(GuardRules, BackendName) {
  EXPECT_EQ(store().backend_name(), GetParam());
}

TEST_P(GuardRules, FirstRequestSignsAndIsStored) {
  const Request r = request("block_mainnet_12180922_shape");
  CountingSigner s{signature(1)};
  EXPECT_EQ(store().guard(r.slot(delegate(0)), r.level, r.round, r.digest, s.fn()), signature(1));
  EXPECT_EQ(s.calls, 1);
  const auto marks = store().marks();
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].first, r.slot(delegate(0)));
  EXPECT_EQ(marks[0].second.level, r.level);
  EXPECT_EQ(marks[0].second.round, r.round);
  EXPECT_EQ(marks[0].second.digest, r.digest);
  EXPECT_EQ(marks[0].second.signature, signature(1));
}

TEST_P(GuardRules, HigherLevelSignsLowerLevelIsRejected) {
  const Request first = request("block_mainnet_12180922_shape");  // 12180922 r0
  const Request next = request("block_predecessor_round_3");      // 12180924 r0
  const Slot slot = first.slot(delegate(0));
  CountingSigner a{signature(1)}, b{signature(2)}, c{signature(3)};
  store().guard(slot, first.level, first.round, first.digest, a.fn());
  EXPECT_EQ(store().guard(slot, next.level, next.round, next.digest, b.fn()), signature(2));
  const Error e =
      error_of([&] { store().guard(slot, first.level, first.round, first.digest, c.fn()); });
  EXPECT_EQ(e.code(), ErrorCode::Conflict);
  EXPECT_STREQ(e.what(), "watermark validation failed");
  EXPECT_EQ(c.calls, 0);
  // The rejected request did not move the mark.
  EXPECT_EQ(store().marks().at(0).second.level, next.level);
}

TEST_P(GuardRules, SameLevelRounds) {
  const Request r0 = request("preattestation_mainnet_r0");
  const Request r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(1));
  CountingSigner a{signature(1)}, b{signature(2)}, c{signature(3)};
  store().guard(slot, r0.level, r0.round, r0.digest, a.fn());
  EXPECT_EQ(store().guard(slot, r1.level, r1.round, r1.digest, b.fn()),
            signature(2));  // higher round
  EXPECT_EQ(error_of([&] { store().guard(slot, r0.level, r0.round, r0.digest, c.fn()); }).code(),
            ErrorCode::Conflict);  // lower round, even with bytes signed before
  EXPECT_EQ(c.calls, 0);
}

TEST_P(GuardRules, IdenticalBytesGetTheFirstSignature) {
  const Request r = request("attestation_mainnet_r0");
  const Slot slot = r.slot(delegate(0));
  CountingSigner first{signature(0x11)}, again{signature(0x22)};
  EXPECT_EQ(store().guard(slot, r.level, r.round, r.digest, first.fn()), signature(0x11));
  EXPECT_EQ(store().guard(slot, r.level, r.round, r.digest, again.fn()), signature(0x11));
  EXPECT_EQ(store().guard(slot, r.level, r.round, r.digest, again.fn()), signature(0x11));
  EXPECT_EQ(again.calls, 0);
}

TEST_P(GuardRules, OtherBytesAtSameLevelRoundAreRejected) {
  const Request r = request("attestation_mainnet_r0");
  const Request other = request("bls_attestation_mainnet");
  ASSERT_EQ(r.level, other.level);
  ASSERT_EQ(r.round, other.round);
  const Slot slot = r.slot(delegate(0));
  CountingSigner a{signature(1)}, b{signature(2)};
  store().guard(slot, r.level, r.round, r.digest, a.fn());
  const Error e =
      error_of([&] { store().guard(slot, other.level, other.round, other.digest, b.fn()); });
  EXPECT_EQ(e.code(), ErrorCode::Conflict);
  EXPECT_STREQ(e.what(), "watermark validation failed");
  EXPECT_EQ(b.calls, 0);
}

TEST_P(GuardRules, SlotsAreIndependent) {
  const Request att = request("attestation_mainnet_r0");           // attestation 12180923 r0
  const Request pre = request("preattestation_mainnet_r0");        // preattestation, same
  const Request other_chain = request("bls_attestation_round_5");  // ghostnet
  ASSERT_EQ(att.level, pre.level);
  ASSERT_EQ(att.round, pre.round);
  CountingSigner s{signature(1)};
  store().guard(att.slot(delegate(0)), att.level + 1000, 0, att.digest, s.fn());
  // Lower level, other kind / other delegate / other chain: each its own slot.
  EXPECT_NO_THROW(store().guard(pre.slot(delegate(0)), pre.level, pre.round, pre.digest, s.fn()));
  EXPECT_NO_THROW(store().guard(att.slot(delegate(4)), att.level, att.round, att.digest, s.fn()));
  Slot ghost = att.slot(delegate(0));
  ghost.chain = other_chain.chain;
  EXPECT_NO_THROW(store().guard(ghost, att.level, att.round, att.digest, s.fn()));
  EXPECT_EQ(s.calls, 4);
  EXPECT_EQ(store().marks().size(), 4u);
  // The first slot is still where it was.
  EXPECT_EQ(error_of([&] {
              store().guard(att.slot(delegate(0)), att.level, att.round, att.digest, s.fn());
            }).code(),
            ErrorCode::Conflict);
}

TEST_P(GuardRules, FailingSignLeavesTheMarkUntouched) {
  const Request r0 = request("preattestation_mainnet_r0");
  const Request r1 = request("preattestation_mainnet_r1");
  const Slot slot = r0.slot(delegate(2));
  CountingSigner ok{signature(1)};
  store().guard(slot, r0.level, r0.round, r0.digest, ok.fn());
  const auto before = store().marks();
  const Error e = error_of([&] {
    store().guard(slot, r1.level, r1.round, r1.digest,
                  []() -> tezos::Signature { throw upstream_failure("vault unreachable"); });
  });
  EXPECT_EQ(e.code(), ErrorCode::UpstreamFailure);
  EXPECT_STREQ(e.what(), "vault unreachable");
  EXPECT_TRUE(same_marks(store().marks(), before));
  // Nothing was signed at r1, so a different payload at r1 may still be signed.
  const Request other_r1 = request("attestation_mainnet_r0");
  CountingSigner later{signature(2)};
  EXPECT_EQ(store().guard(slot, r1.level, r1.round, other_r1.digest, later.fn()), signature(2));
}

TEST_P(GuardRules, RaiseNeverLowers) {
  const Request low = request("block_mainnet_12180922_shape");
  const Request high = request("block_predecessor_round_3");
  const Slot slot = low.slot(delegate(0));
  Mark m;
  m.level = high.level;
  m.round = high.round;
  EXPECT_EQ(store().raise(slot, m).outcome, RaiseOutcome::Raised);
  Mark lower;
  lower.level = low.level;
  const RaiseResult kept = store().raise(slot, lower);
  EXPECT_EQ(kept.outcome, RaiseOutcome::AlreadyHigher);
  ASSERT_TRUE(kept.kept);
  EXPECT_TRUE(same_mark(*kept.kept, m));
  ASSERT_EQ(store().marks().size(), 1u);
  EXPECT_EQ(store().marks()[0].second.level, high.level);
  CountingSigner s{signature(1)};
  EXPECT_EQ(error_of([&] { store().guard(slot, low.level, low.round, low.digest, s.fn()); }).code(),
            ErrorCode::Conflict);
  // A mark without a digest blocks its own level/round too.
  EXPECT_EQ(
      error_of([&] { store().guard(slot, high.level, high.round, high.digest, s.fn()); }).code(),
      ErrorCode::Conflict);
  EXPECT_EQ(s.calls, 0);
}

TEST_P(GuardRules, ImportedDigestWithoutSignatureSignsAgainThenReturnsIt) {
  const Request r = request("attestation_signatory_C3");
  const Slot slot = r.slot(delegate(0));
  store().raise(slot, mark_of(r));  // as imported from Signatory: hash, no signature
  CountingSigner s{signature(0x33)}, again{signature(0x44)};
  EXPECT_EQ(store().guard(slot, r.level, r.round, r.digest, s.fn()), signature(0x33));
  EXPECT_EQ(s.calls, 1);
  EXPECT_EQ(store().guard(slot, r.level, r.round, r.digest, again.fn()), signature(0x33));
  EXPECT_EQ(again.calls, 0);
  // Other bytes at the imported level/round stay refused.
  const Request c2 = request("preattestation_signatory_C2");
  EXPECT_EQ(error_of([&] { store().guard(slot, r.level, r.round, c2.digest, again.fn()); }).code(),
            ErrorCode::Conflict);
}

TEST_P(GuardRules, RaiseAtEqualLevelRoundKeepsTheStoredMark) {
  const Request r = request("attestation_mainnet_r0");
  const Slot slot = r.slot(delegate(0));
  CountingSigner s{signature(5)};
  store().guard(slot, r.level, r.round, r.digest, s.fn());
  const RaiseResult result =
      store().raise(slot, mark_of(request("bls_attestation_mainnet")));  // same level/round
  EXPECT_EQ(result.outcome, RaiseOutcome::Equal);
  ASSERT_TRUE(result.kept);
  EXPECT_EQ(result.kept->signature, signature(5));
  EXPECT_EQ(store().marks().at(0).second.digest, r.digest);
  EXPECT_EQ(store().marks().at(0).second.signature, signature(5));
}

INSTANTIATE_TEST_SUITE_P(Backends, GuardRules, ::testing::Values("mem", "file"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace signatory::watermark
