// UTC timestamps: milliseconds since the Unix epoch, parsed from and formatted as ISO-8601.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace xinzhi {

using TimestampMs = std::int64_t;

// Parses "2026-03-01T08:00:00Z", "2026-03-01 08:00:00.125", "2026-03-01T08:00:00+08:00",
// "2026-03-01" (midnight). Fractions beyond milliseconds are truncated; no zone means UTC.
// Returns nullopt for anything else (including impossible dates such as Feb 30).
std::optional<TimestampMs> parse_iso8601(std::string_view text);

// "2026-03-01T08:00:00.125Z" (always milliseconds, always Z).
std::string format_iso8601(TimestampMs ms);
// Writes the 24 characters of format_iso8601 into out (no terminator). Hot paths use this.
void format_iso8601(TimestampMs ms, char out[24]);

// Days since 1970-01-01 for a civil date (proleptic Gregorian), and back.
std::int64_t days_from_civil(int year, unsigned month, unsigned day);
void civil_from_days(std::int64_t days, int& year, unsigned& month, unsigned& day);

// t rounded down to a multiple of step (> 0), before the epoch as after it: the start of the
// epoch-aligned window of length step that holds t (a time grid's slot, a metrics window).
inline TimestampMs floor_to_multiple(TimestampMs t, std::int64_t step) {
  return (t >= 0 ? t / step : -((-t + step - 1) / step)) * step;
}

// Wall-clock now, in milliseconds.
TimestampMs now_ms();

}  // namespace xinzhi
