#include "app/metrics.hpp"

#include <gtest/gtest.h>

namespace junction::app {
namespace {

TEST(Metrics, WritesTheTextFormatWithEscapesAndCumulativeBuckets) {
  Metrics m;
  m.counter("junction_records_total", "Records by outcome.\nPer flow \\ sync.");
  m.gauge("junction_error_queue_depth", "Open entries.");
  m.histogram("junction_run_duration_seconds", "How long runs took.", {0.5, 1, 5});
  m.add("junction_records_total", {{"flow", "a\"b\\c\nd"}, {"outcome", "read"}}, 3);
  m.add("junction_records_total", {{"flow", "a\"b\\c\nd"}, {"outcome", "read"}}, 2);
  m.set("junction_error_queue_depth", {{"flow", "x"}}, 7);
  m.observe("junction_run_duration_seconds", {{"flow", "x"}}, 0.25);
  m.observe("junction_run_duration_seconds", {{"flow", "x"}}, 2);
  m.observe("junction_run_duration_seconds", {{"flow", "x"}}, 9);
  EXPECT_EQ(m.render(),
            "# HELP junction_error_queue_depth Open entries.\n"
            "# TYPE junction_error_queue_depth gauge\n"
            "junction_error_queue_depth{flow=\"x\"} 7\n"
            "# HELP junction_records_total Records by outcome.\\nPer flow \\\\ sync.\n"
            "# TYPE junction_records_total counter\n"
            "junction_records_total{flow=\"a\\\"b\\\\c\\nd\",outcome=\"read\"} 5\n"
            "# HELP junction_run_duration_seconds How long runs took.\n"
            "# TYPE junction_run_duration_seconds histogram\n"
            "junction_run_duration_seconds_bucket{flow=\"x\",le=\"0.5\"} 1\n"
            "junction_run_duration_seconds_bucket{flow=\"x\",le=\"1\"} 1\n"
            "junction_run_duration_seconds_bucket{flow=\"x\",le=\"5\"} 2\n"
            "junction_run_duration_seconds_bucket{flow=\"x\",le=\"+Inf\"} 3\n"
            "junction_run_duration_seconds_sum{flow=\"x\"} 11.25\n"
            "junction_run_duration_seconds_count{flow=\"x\"} 3\n");
  EXPECT_EQ(m.value("junction_records_total", {{"flow", "a\"b\\c\nd"}, {"outcome", "read"}}), 5);
}

TEST(Metrics, RefusesAnUndeclaredOrMistypedMetric) {
  Metrics m;
  m.gauge("g", "a gauge");
  EXPECT_THROW(m.add("g", {}, 1), std::logic_error);
  EXPECT_THROW(m.set("nothing", {}, 1), std::logic_error);
}

}  // namespace
}  // namespace junction::app
