#include "acquire/landing/reading_rules.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace xinzhi::acquire {

ReadingRules ReadingRules::live() {
  ReadingRules r;
  r.max_past_ms = 3650LL * 24 * 3600 * 1000;
  r.max_future_ms = 24LL * 3600 * 1000;
  return r;
}

std::string check_reading(const Reading& r, const ReadingRules& rules, TimestampMs now) {
  if (!rules.sensors.empty() && !rules.sensors.count(r.sensor))
    return fmt::format("unknown sensor '{}' (known: {})", r.sensor, fmt::join(rules.sensors, ", "));
  if (rules.max_past_ms > 0 && r.ts < now - rules.max_past_ms)
    return fmt::format("timestamp {} is more than {} s in the past", format_iso8601(r.ts), rules.max_past_ms / 1000);
  if (rules.max_future_ms > 0 && r.ts > now + rules.max_future_ms)
    return fmt::format("timestamp {} is more than {} s in the future", format_iso8601(r.ts),
                       rules.max_future_ms / 1000);
  return "";
}

}  // namespace xinzhi::acquire
