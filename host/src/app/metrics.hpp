// The service's metrics in the Prometheus text exposition format (version 0.0.4): counters,
// gauges and histograms with labels, written as Prometheus parses them (escaped label
// values and help text, cumulative buckets with le="+Inf", _sum and _count). Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace junction::app {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  // Each metric is declared once with its help text before it is used.
  void counter(const std::string &name, const std::string &help);
  void gauge(const std::string &name, const std::string &help);
  void histogram(const std::string &name, const std::string &help, std::vector<double> buckets);

  void add(const std::string &name, const Labels &labels, double delta);
  void set(const std::string &name, const Labels &labels, double value);
  void observe(const std::string &name, const Labels &labels, double value);
  // The value of a counter or gauge series, 0 when it has none.
  double value(const std::string &name, const Labels &labels) const;

  std::string render() const;

 private:
  struct Series {
    double value = 0;
    std::vector<double> bucket_counts;  // histograms: per bucket, not cumulative
    double sum = 0;
    double count = 0;
  };
  struct Family {
    std::string type;
    std::string help;
    std::vector<double> buckets;
    std::map<Labels, Series> series;
  };
  Family &family(const std::string &name, const char *type);
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// Label values and help text as the text format wants them.
std::string escape_label_value(const std::string &value);
std::string escape_help(const std::string &help);
// Numbers as Go's strconv would read them back: shortest exact form, +Inf, -Inf, NaN.
std::string metric_number(double value);

}  // namespace junction::app
