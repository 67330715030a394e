#include <junction/sdk.hpp>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

namespace junction {
namespace {

// Numbers 1..total in batches of three; fails the read of batch `fail_at` (1-based) once.
class Counting : public Source {
 public:
  Counting(int total, int fail_at, std::vector<std::string> &acks)
      : total_(total), fail_at_(fail_at), acks_(acks) {}
  void next(SourceBatch &out) override {
    EXPECT_FALSE(busy_.exchange(true)) << "called by two threads at once";
    ++reads_;
    if (reads_ == fail_at_) {
      busy_ = false;
      throw TransientError("the disk went away");
    }
    out.records.set_fields({"n"});
    for (int i = 0; i < 3 && sent_ < total_; ++i) {
      const auto row = out.records.add_record();
      out.records.set(row, 0, Value::string(std::to_string(++sent_)));
    }
    out.cursor = std::to_string(sent_);
    out.end = sent_ == total_;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    busy_ = false;
  }
  void acknowledge(std::string_view cursor) override {
    EXPECT_FALSE(busy_.load()) << "acknowledged while a read was in flight";
    acks_.emplace_back(cursor);
  }

 private:
  int total_;
  int fail_at_;
  int reads_ = 0;
  int sent_ = 0;
  std::atomic<bool> busy_{false};
  std::vector<std::string> &acks_;
};

std::vector<std::string> texts(BatchBuilder &records) {
  std::vector<std::string> out;
  const BatchView view(*records.batch());
  for (std::size_t i = 0; i < view.size(); ++i) {
    out.emplace_back(view.record(i).value(0).text());
  }
  return out;
}

TEST(ReadAheadSource, HandsOverEveryBatchInOrderWithItsCursor) {
  std::vector<std::string> acks;
  ReadAheadSource source(std::make_unique<Counting>(7, 0, acks));
  BatchBuilder records;
  std::string cursor;
  std::vector<std::string> seen;
  std::vector<std::string> cursors;
  for (bool end = false; !end;) {
    records.clear();
    SourceBatch batch{records, cursor, false};
    source.next(batch);
    end = batch.end;
    for (auto &t : texts(records)) seen.push_back(t);
    cursors.push_back(cursor);
    source.acknowledge(cursor);
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7"}));
  EXPECT_EQ(cursors, (std::vector<std::string>{"3", "6", "7"}));
  EXPECT_EQ(acks, cursors);
}

TEST(ReadAheadSource, AFailedReadIsReportedByTheNextCall) {
  std::vector<std::string> acks;
  ReadAheadSource source(std::make_unique<Counting>(30, 2, acks));
  BatchBuilder records;
  std::string cursor;
  SourceBatch first{records, cursor, false};
  source.next(first);
  EXPECT_EQ(texts(records), (std::vector<std::string>{"1", "2", "3"}));
  records.clear();
  SourceBatch second{records, cursor, false};
  EXPECT_THROW(source.next(second), TransientError);
}

// A host slower than the source: batches wait, in order, up to the read-ahead's depth; a
// call after the end reads again (a source that has more by then gives it).
TEST(ReadAheadSource, KeepsItsDepthAndReadsAgainAfterTheEnd) {
  std::vector<std::string> acks;
  ReadAheadSource source(std::make_unique<Counting>(12, 0, acks), 2);
  BatchBuilder records;
  std::string cursor;
  std::vector<std::string> seen;
  bool end = false;
  while (!end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    records.clear();
    SourceBatch batch{records, cursor, false};
    source.next(batch);
    end = batch.end;
    for (auto &t : texts(records)) seen.push_back(t);
    source.acknowledge(cursor);
  }
  EXPECT_EQ(seen.size(), 12U);
  EXPECT_EQ(seen.back(), "12");
  EXPECT_EQ(acks.back(), "12");
  records.clear();
  SourceBatch again{records, cursor, false};
  source.next(again);
  EXPECT_TRUE(again.end);
  EXPECT_EQ(records.size(), 0U);
  EXPECT_EQ(cursor, "12");
}

}  // namespace
}  // namespace junction
