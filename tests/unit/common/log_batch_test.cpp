// log::LineBatch: while a batch lives, this thread's lines are held and then written with one
// write(2). stderr is pointed at one end of a SOCK_SEQPACKET socket pair for each test, so that
// every write(2) arrives as exactly one message: the tests count writes and read their content.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "common/log.h"

namespace signatory {
namespace {

class LineBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds_), 0);
    const int size = 1 << 20;
    ::setsockopt(fds_[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fds_[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    saved_stderr_ = ::dup(STDERR_FILENO);
    ASSERT_GE(saved_stderr_, 0);
    ASSERT_EQ(::dup2(fds_[0], STDERR_FILENO), STDERR_FILENO);
    log::configure(log::Level::Info, log::Format::Logfmt);
  }
  void TearDown() override {
    ::dup2(saved_stderr_, STDERR_FILENO);
    ::close(saved_stderr_);
    ::close(fds_[0]);
    ::close(fds_[1]);
    log::configure(log::Level::Info, log::Format::Auto);
  }

  // The writes that reached stderr so far, one string per write(2).
  std::vector<std::string> writes() {
    std::vector<std::string> out;
    std::string buffer(1 << 20, '\0');
    for (;;) {
      const ssize_t n = ::recv(fds_[1], buffer.data(), buffer.size(), MSG_DONTWAIT);
      if (n < 0) break;
      out.emplace_back(buffer.data(), static_cast<std::size_t>(n));
    }
    return out;
  }

 private:
  int fds_[2] = {-1, -1};
  int saved_stderr_ = -1;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(LineBatchTest, WithoutABatchEachLineIsOneWrite) {
  log::info("alpha");
  log::info("beta");
  auto w = writes();
  ASSERT_EQ(w.size(), 2u);
  EXPECT_TRUE(contains(w[0], "msg=alpha\n"));
  EXPECT_TRUE(contains(w[1], "msg=beta\n"));
}

TEST_F(LineBatchTest, TheLinesOfABatchAreHeldThenWrittenTogetherInOrder) {
  {
    log::LineBatch batch;
    log::info("first");
    log::warn("second", {{"pkh", "tz1x"}});
    log::info("third");
    EXPECT_TRUE(writes().empty()) << "a line left before the batch ended";
  }
  auto w = writes();
  ASSERT_EQ(w.size(), 1u);
  const std::string& text = w[0];
  const auto a = text.find("msg=first\n"), b = text.find("msg=second pkh=tz1x\n"),
             c = text.find("msg=third\n");
  ASSERT_NE(a, std::string::npos) << text;
  ASSERT_NE(b, std::string::npos) << text;
  ASSERT_NE(c, std::string::npos) << text;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
  EXPECT_TRUE(contains(text, "level=warning"));
}

TEST_F(LineBatchTest, LevelsStillFilterInsideABatch) {
  {
    log::LineBatch batch;
    log::debug("hidden");
    log::info("shown");
  }
  auto w = writes();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_FALSE(contains(w[0], "hidden"));
  EXPECT_TRUE(contains(w[0], "msg=shown\n"));
}

TEST_F(LineBatchTest, NestedBatchesJoinTheOutermost) {
  {
    log::LineBatch outer;
    {
      log::LineBatch inner;
      log::info("inner");
    }
    EXPECT_TRUE(writes().empty()) << "the inner batch wrote on its own";
    log::info("outer");
  }
  auto w = writes();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_LT(w[0].find("msg=inner\n"), w[0].find("msg=outer\n"));
}

TEST_F(LineBatchTest, AFatalLineIsNeverHeld) {
  log::LineBatch batch;
  log::info("before");
  log::write(log::Level::Fatal, "dying");
  auto w = writes();
  ASSERT_EQ(w.size(), 1u) << "the fatal line (with what was held) must be out at once";
  EXPECT_LT(w[0].find("msg=before\n"), w[0].find("msg=dying\n"));
}

TEST_F(LineBatchTest, AnotherThreadsLinesAreNotHeld) {
  {
    log::LineBatch batch;
    log::info("mine");
    std::thread([] { log::info("theirs"); }).join();
    auto w = writes();
    ASSERT_EQ(w.size(), 1u);
    EXPECT_TRUE(contains(w[0], "msg=theirs\n"));
    EXPECT_FALSE(contains(w[0], "mine"));
  }
  auto w = writes();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_TRUE(contains(w[0], "msg=mine\n"));
}

TEST_F(LineBatchTest, ALargeBatchIsWrittenEarlyInWholeLines) {
  const std::string payload(1000, 'x');
  std::vector<std::string> all;
  std::size_t written_early = 0;
  {
    log::LineBatch batch;
    for (int i = 0; i < 100; ++i) log::info("line", {{"n", std::to_string(i)}, {"raw", payload}});
    all = writes();
    written_early = all.size();
  }
  EXPECT_GE(written_early, 1u) << "100 kB held past the batch limit";
  for (auto& w : writes()) all.push_back(std::move(w));
  std::string joined;
  for (const auto& w : all) {
    ASSERT_FALSE(w.empty());
    EXPECT_EQ(w.back(), '\n') << "a write ends inside a line";
    joined += w;
  }
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(contains(joined, "msg=line n=" + std::to_string(i) + " raw=" + payload + "\n"))
        << i;
}

}  // namespace
}  // namespace signatory
