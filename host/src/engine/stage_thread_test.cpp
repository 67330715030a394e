#include "engine/stage_thread.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace junction::engine {
namespace {

TEST(StageThread, RunsJobsInTheOrderTheyCame) {
  std::vector<int> done;  // touched by the stage only, read after drain()
  StageThread stage("test-stage");
  for (int i = 0; i < 200; ++i) {
    stage.submit([&done, i] { done.push_back(i); });
  }
  stage.drain();
  ASSERT_EQ(done.size(), 200U);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(done[static_cast<std::size_t>(i)], i);
}

TEST(StageThread, AFailureStopsTheStageAndReachesTheSubmitter) {
  std::atomic<int> ran{0};
  StageThread stage("test-stage");
  stage.submit([&] { ++ran; });
  stage.submit([] { throw std::runtime_error("the store went away"); });
  try {
    stage.drain();
    FAIL() << "expected the job's failure";
  } catch (const std::runtime_error &e) {
    EXPECT_STREQ(e.what(), "the store went away");
  }
  EXPECT_THROW(stage.submit([&] { ++ran; }), std::runtime_error);
  EXPECT_THROW(stage.drain(), std::runtime_error);
  EXPECT_EQ(ran.load(), 1);
}

TEST(StageThread, SubmitWaitsWhileTheStageIsBehind) {
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  StageThread stage("test-stage", 1);
  stage.submit([&] {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++ran;
  });
  stage.submit([&] { ++ran; });  // waits in the queue: one job may wait
  std::atomic<bool> third_accepted{false};
  std::thread submitter([&] {
    stage.submit([&] { ++ran; });
    third_accepted = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(third_accepted.load());
  release = true;
  submitter.join();
  stage.drain();
  EXPECT_EQ(ran.load(), 3);
}

// Synchronised on events: the first job runs before the others queue, and it finishes
// only once the stage is stopping.
TEST(StageThread, StoppingDropsJobsNotStarted) {
  std::atomic<bool> started{false};
  std::atomic<bool> release{false};
  std::atomic<int> ran{0};
  std::thread releaser;
  {
    StageThread stage("test-stage", 4);
    stage.submit([&] {
      started = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      ++ran;
    });
    while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (int i = 0; i < 3; ++i) stage.submit([&] { ++ran; });
    // The stage lives until its running job ends, which waits for this.
    releaser = std::thread([&] {
      while (!stage.stopping()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      release = true;
    });
  }  // the running job finishes; the three waiting ones never run
  releaser.join();
  EXPECT_EQ(ran.load(), 1);
}

}  // namespace
}  // namespace junction::engine
