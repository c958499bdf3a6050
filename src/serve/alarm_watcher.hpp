// The thread that applies the alarm rules (alarm_rules.hpp) to the live feed's new readings and,
// every second, checks for series gone silent; alarms are written through the server's writer.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "serve/alarm_rules.hpp"

namespace xinzhi::serve {

class ApiContext;

class AlarmWatcher {
 public:
  AlarmWatcher(ApiContext& api, std::vector<AlarmRule> rules);
  ~AlarmWatcher();
  void stop();

 private:
  void run();
  ApiContext& api_;
  AlarmEvaluator evaluator_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace xinzhi::serve
