#include "core/logging.hpp"

#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace xinzhi {

namespace {

LogFormat g_format = LogFormat::text;

// %* in a pattern: the message escaped for a JSON string.
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"': dest.append(std::string_view("\\\"")); break;
        case '\\': dest.append(std::string_view("\\\\")); break;
        case '\n': dest.append(std::string_view("\\n")); break;
        case '\r': dest.append(std::string_view("\\r")); break;
        case '\t': dest.append(std::string_view("\\t")); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            dest.append(std::string_view(buf));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonEscapedMessage>(); }
};

std::unique_ptr<spdlog::formatter> make_formatter() {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (g_format == LogFormat::json)
    f->add_flag<JsonEscapedMessage>('*').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%*"})");
  else
    f->set_pattern("%Y-%m-%d %H:%M:%S.%e %l %v");
  return f;
}

std::mutex g_mutex;
std::vector<spdlog::sink_ptr> g_file_sinks;

}  // namespace

void setup_logging(LogFormat format, bool quiet) {
  g_format = format;
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  sink->set_formatter(make_formatter());
  auto logger = std::make_shared<spdlog::logger>("xinzhi", sink);
  logger->set_level(quiet ? spdlog::level::warn : spdlog::level::info);
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

void add_log_file(const std::string& path) {
  std::lock_guard lock(g_mutex);
  auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path, false);
  sink->set_formatter(make_formatter());
  sink->set_level(spdlog::level::info);  // the run log keeps everything, even with --quiet
  auto logger = spdlog::default_logger();
  // The logger's own level would hide info lines from the file under --quiet: move the
  // console's threshold onto its sink instead.
  for (auto& s : logger->sinks())
    if (s->level() == spdlog::level::trace) s->set_level(logger->level());
  logger->set_level(spdlog::level::info);
  logger->sinks().push_back(sink);
  g_file_sinks.push_back(sink);
}

void remove_log_files() {
  std::lock_guard lock(g_mutex);
  auto logger = spdlog::default_logger();
  auto& sinks = logger->sinks();
  for (auto& f : g_file_sinks) {
    f->flush();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), f), sinks.end());
  }
  g_file_sinks.clear();
}

}  // namespace xinzhi
