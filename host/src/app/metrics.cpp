#include "app/metrics.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace junction::app {

std::string escape_label_value(const std::string &value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_help(const std::string &help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string metric_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

Metrics::Family &Metrics::family(const std::string &name, const char *type) {
  const auto it = families_.find(name);
  if (it == families_.end() || it->second.type != type) {
    throw std::logic_error("metric " + name + " is not a declared " + type);
  }
  return it->second;
}

void Metrics::counter(const std::string &name, const std::string &help) {
  const std::lock_guard lock(mutex_);
  families_[name] = Family{"counter", help, {}, {}};
}

void Metrics::gauge(const std::string &name, const std::string &help) {
  const std::lock_guard lock(mutex_);
  families_[name] = Family{"gauge", help, {}, {}};
}

void Metrics::histogram(const std::string &name, const std::string &help,
                        std::vector<double> buckets) {
  const std::lock_guard lock(mutex_);
  families_[name] = Family{"histogram", help, std::move(buckets), {}};
}

void Metrics::add(const std::string &name, const Labels &labels, double delta) {
  const std::lock_guard lock(mutex_);
  family(name, "counter").series[labels].value += delta;
}

void Metrics::set(const std::string &name, const Labels &labels, double value) {
  const std::lock_guard lock(mutex_);
  family(name, "gauge").series[labels].value = value;
}

void Metrics::observe(const std::string &name, const Labels &labels, double value) {
  const std::lock_guard lock(mutex_);
  auto &f = family(name, "histogram");
  auto &s = f.series[labels];
  if (s.bucket_counts.empty()) s.bucket_counts.assign(f.buckets.size(), 0);
  for (std::size_t i = 0; i < f.buckets.size(); ++i) {
    if (value <= f.buckets[i]) {
      s.bucket_counts[i] += 1;
      break;
    }
  }
  s.sum += value;
  s.count += 1;
}

double Metrics::value(const std::string &name, const Labels &labels) const {
  const std::lock_guard lock(mutex_);
  const auto f = families_.find(name);
  if (f == families_.end()) return 0;
  const auto s = f->second.series.find(labels);
  return s == f->second.series.end() ? 0 : s->second.value;
}

namespace {

std::string label_text(const Labels &labels, const std::string &extra_name = "",
                       const std::string &extra_value = "") {
  std::string out;
  for (const auto &[k, v] : labels) {
    out += (out.empty() ? "" : ",") + k + "=\"" + escape_label_value(v) + "\"";
  }
  if (!extra_name.empty()) {
    out += (out.empty() ? "" : ",") + extra_name + "=\"" + extra_value + "\"";
  }
  return out.empty() ? "" : "{" + out + "}";
}

}  // namespace

std::string Metrics::render() const {
  const std::lock_guard lock(mutex_);
  std::ostringstream out;
  for (const auto &[name, f] : families_) {
    out << "# HELP " << name << " " << escape_help(f.help) << "\n"
        << "# TYPE " << name << " " << f.type << "\n";
    for (const auto &[labels, s] : f.series) {
      if (f.type != "histogram") {
        out << name << label_text(labels) << " " << metric_number(s.value) << "\n";
        continue;
      }
      double cumulative = 0;
      for (std::size_t i = 0; i < f.buckets.size(); ++i) {
        cumulative += s.bucket_counts[i];
        out << name << "_bucket" << label_text(labels, "le", metric_number(f.buckets[i])) << " "
            << metric_number(cumulative) << "\n";
      }
      out << name << "_bucket" << label_text(labels, "le", "+Inf") << " " << metric_number(s.count)
          << "\n"
          << name << "_sum" << label_text(labels) << " " << metric_number(s.sum) << "\n"
          << name << "_count" << label_text(labels) << " " << metric_number(s.count) << "\n";
    }
  }
  return out.str();
}

}  // namespace junction::app
