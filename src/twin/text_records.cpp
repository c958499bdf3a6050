#include "twin/text_records.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "twin/failure_modes.hpp"
#include "twin/output_file.hpp"
#include "twin/twin_layout.hpp"
#include "twin/twin_random.hpp"
#include "core/error.hpp"
#include "text/data/words.hpp"

namespace xinzhi::twin {

namespace {

using Words = std::vector<const char*>;

// What technicians call the parts, faults and fixes of each failure mode (same order as
// kFailureModes), in English and Chinese.
struct ModeWords {
  Words component_en, fault_en, action_en, component_zh, fault_zh, action_zh;
  std::vector<SensorKind> sensors;  // what they measure when reporting it
};

const std::array<ModeWords, 6>& mode_words() {
  static const std::array<ModeWords, 6> words = {{
      {{"spindle bearing", "main bearing", "front bearing", "bearing"},
       {"abnormal noise", "excessive vibration", "bearing wear", "rough running", "grinding noise"},
       {"replaced", "regreased", "adjusted and lubricated", "swapped"},
       {"主轴轴承", "轴承", "前轴承", "主轴前轴承"},
       {"异响", "振动过大", "磨损", "运转不平稳", "异常噪音"},
       {"更换", "重新加注润滑脂", "调整并润滑", "拆换"},
       {SensorKind::vibration}},
      {{"spindle motor", "motor", "drive motor", "motor windings"},
       {"overheating", "high temperature", "thermal alarm", "running hot"},
       {"cleaned", "replaced", "rewound", "cooled down"},
       {"主轴电机", "电机", "驱动电机", "电机绕组"},
       {"过热", "温度过高", "热报警", "发烫"},
       {"清洁", "更换", "重新绕制", "冷却"},
       {SensorKind::temperature}},
      {{"coolant pump", "coolant line", "coolant hose", "pump seal"},
       {"coolant leak", "leakage", "low coolant flow", "seal failure"},
       {"replaced", "resealed", "tightened", "flushed"},
       {"冷却泵", "冷却管路", "冷却液软管", "泵密封"},
       {"漏液", "泄漏", "冷却液流量低", "密封失效"},
       {"更换", "重新密封", "紧固", "冲洗"},
       {SensorKind::pressure, SensorKind::temperature}},
      {{"hydraulic unit", "hydraulic cylinder", "hydraulic valve", "hydraulic hose"},
       {"pressure loss", "oil leak", "low hydraulic pressure", "pressure drop"},
       {"replaced", "resealed", "bled", "refilled"},
       {"液压站", "液压缸", "液压阀", "液压油管"},
       {"压力不足", "漏油", "液压压力低", "压力下降"},
       {"更换", "重新密封", "排气", "补油"},
       {SensorKind::pressure}},
      {{"cutting tool", "tool holder", "insert", "end mill"},
       {"tool wear", "chipped edge", "worn insert", "poor surface finish"},
       {"replaced", "reground", "changed", "re-clamped"},
       {"刀具", "刀柄", "刀片", "立铣刀"},
       {"刀具磨损", "崩刃", "刀片磨损", "表面粗糙"},
       {"更换", "重新刃磨", "换刀", "重新夹紧"},
       {SensorKind::vibration, SensorKind::power}},
      {{"servo drive", "power supply", "encoder cable", "contactor"},
       {"overcurrent alarm", "intermittent power loss", "short circuit", "drive fault"},
       {"replaced", "rewired", "reset", "reconnected"},
       {"伺服驱动器", "电源模块", "编码器线缆", "接触器"},
       {"过流报警", "间歇断电", "短路", "驱动故障"},
       {"更换", "重新接线", "复位", "重新连接"},
       {SensorKind::power}},
  }};
  return words;
}

const Words kGenericComponentEn = {"guide rails", "lubrication system", "air filter", "coolant tank",
                                   "spindle",     "drive belt",         "chip conveyor"};
const Words kGenericComponentZh = {"导轨", "润滑系统", "空气过滤器", "冷却液箱", "主轴", "传动皮带", "排屑器"};
const Words kGenericActionEn = {"cleaned", "lubricated", "inspected", "tightened", "calibrated", "replaced"};
const Words kGenericActionZh = {"清洁", "润滑", "检查", "紧固", "校准", "更换"};

// Templates per language and kind. Slots: {E} equipment, {C} component, {F} fault, {A} action,
// {M} measurement (entities) and {Q} the measured quantity (plain text). Every third template
// (index % 3 == 2) is held out for the test split.
struct TemplateSet {
  const char* lang;
  const char* kind;
  Words texts;
};

const std::vector<TemplateSet>& templates() {
  static const std::vector<TemplateSet> sets = {
      {"en", "fault",
       {"{E}: {F} detected on the {C}, {Q} reading {M}. Machine stopped.",
        "Operator reported {F} at {E}. {C} suspected; {Q} was {M}.",
        "{E} stopped with {F}. Checked {C}, {Q} {M}.",
        "Alarm on {E} - {C} {F}, measured {Q} {M}.",
        "Breakdown of {E}: {C} shows {F} ({Q} {M}).",
        "Found {F} in the {C} of {E} during the shift; {Q} rose to {M}."}},
      {"en", "repair",
       {"{A} the {C} on {E} after {F}. Back in production.",
        "{E}: {C} {A} due to {F}, test run OK.",
        "Repair done on {E}: {A} {C}, cause was {F}.",
        "Technician {A} the {C} of {E}; {F} resolved.",
        "{F} fixed on {E} - {A} the {C} and restarted.",
        "Work order closed for {E}: {C} {A}, root cause {F}."}},
      {"en", "warning",
       {"Routine check of {E}: slight {F} at the {C}, {Q} {M}. Monitor.",
        "{E} inspection - {C} shows early {F}; {Q} measured {M}.",
        "Inspection: {Q} on {E} is {M}, possible {F} in {C}.",
        "Noted {F} on {E} {C} during rounds, {Q} {M}.",
        "Patrol of {E}: {C} {F} suspected, {Q} reading {M}, schedule service.",
        "Check {E}: {Q} up to {M}, {C} may have {F}."}},
      {"en", "normal",
       {"Routine check of {E}: {C} OK, {Q} {M}.",
        "{E} inspected, {Q} {M}, no abnormality in {C}.",
        "Rounds: {E} running normally, {C} fine, {Q} at {M}.",
        "Inspection of {E} {C} complete; {Q} {M} within limits.",
        "{E}: {Q} {M}, {C} in good condition.",
        "Checked {C} on {E}, {Q} reads {M}; nothing to report."}},
      {"en", "maintenance",
       {"Planned maintenance on {E}: {A} the {C}.",
        "{E} PM done, {C} {A}.",
        "Preventive service of {E} - {A} {C} and checked alignment.",
        "{A} the {C} of {E} as scheduled.",
        "Scheduled downtime {E}: {C} {A}, machine released.",
        "Maintenance window for {E} completed; technician {A} the {C}."}},
      {"zh", "fault",
       {"{E}{C}出现{F}，{Q}{M}，已停机。",
        "操作工反映{E}{F}，怀疑{C}问题，{Q}为{M}。",
        "{E}报警停机：{C}{F}，{Q}达到{M}。",
        "{E}故障，检查发现{C}{F}，实测{Q}{M}。",
        "班中发现{E}的{C}{F}，{Q}升至{M}。",
        "{E}突发{F}，{C}受损，{Q}读数{M}。"}},
      {"zh", "repair",
       {"{A}{E}的{C}，{F}已排除，恢复生产。",
        "{E}：因{F}{A}{C}，试运行正常。",
        "维修完成：{E}{A}{C}，原因是{F}。",
        "技术员对{E}{C}进行{A}，{F}问题解决。",
        "{E}{F}已修复，{A}{C}后重新启动。",
        "关闭{E}工单：{C}已{A}，根本原因为{F}。"}},
      {"zh", "warning",
       {"例行点检{E}：{C}有轻微{F}，{Q}{M}，需持续观察。",
        "{E}巡检发现{C}早期{F}，{Q}测得{M}。",
        "点检：{E}{Q}为{M}，{C}可能存在{F}。",
        "巡回检查中发现{E}{C}{F}，{Q}{M}。",
        "{E}巡检：疑似{C}{F}，{Q}读数{M}，建议安排检修。",
        "检查{E}：{Q}升至{M}，{C}或有{F}。"}},
      {"zh", "normal",
       {"例行点检{E}：{C}正常，{Q}{M}。",
        "{E}已检查，{Q}{M}，{C}无异常。",
        "巡检：{E}运行正常，{C}良好，{Q}为{M}。",
        "{E}{C}点检完成，{Q}{M}，在允许范围内。",
        "{E}：{Q}{M}，{C}状态良好。",
        "检查{E}的{C}，{Q}读数{M}，无异常情况。"}},
      {"zh", "maintenance",
       {"{E}计划保养：{A}{C}。",
        "{E}定期维护完成，已{A}{C}。",
        "{E}预防性维护：{A}{C}并检查对中。",
        "按计划对{E}{C}进行{A}。",
        "{E}计划停机：{C}已{A}，设备放行。",
        "{E}保养窗口结束，技术员{A}{C}。"}},
  };
  return sets;
}

int code_points(const std::string& s) {
  int n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

const char* pick(Rng& rng, const Words& w) { return w[rng.below(w.size())]; }

// The quantity words and the measurement as written, per sensor and language.
std::string quantity_word(Rng& rng, SensorKind k, bool zh) {
  static const Words en[] = {{"temperature", "motor temperature", "housing temperature"},
                             {"humidity"},
                             {"pressure", "coolant pressure", "line pressure"},
                             {"speed"},
                             {"vibration", "vibration level", "RMS vibration"},
                             {"power draw", "power", "load"}};
  static const Words cn[] = {{"温度", "电机温度", "壳体温度"}, {"湿度"}, {"压力", "冷却压力", "管路压力"},
                             {"转速"},                         {"振动", "振动值", "振动速度"},
                             {"功率", "负载功率", "有功功率"}};
  return pick(rng, (zh ? cn : en)[static_cast<int>(k)]);
}

std::string measurement_text(Rng& rng, SensorKind k, double v, bool zh) {
  const int decimals = k == SensorKind::pressure ? 0 : 1;
  std::string num;
  append_fixed(num, v, decimals);
  switch (k) {
    case SensorKind::temperature:
      if (zh) return num + (rng.chance(0.5) ? "℃" : "度");
      return num + (rng.chance(0.5) ? " °C" : " degrees");
    case SensorKind::pressure:
      if (zh) return num + (rng.chance(0.5) ? "kPa" : "千帕");
      return num + " kPa";
    case SensorKind::power:
      if (zh) return num + (rng.chance(0.5) ? "kW" : "千瓦");
      return num + " kW";
    default:
      if (zh) return num + (rng.chance(0.5) ? "mm/s" : " mm/s");
      return num + " mm/s";
  }
}

// A plausible reading of sensor k on a machine of this type at this wear of failure mode fm.
double reading(Rng& rng, SensorKind k, const MachineType& type, const FailureModeInfo& fm, double wear_effect) {
  const double jitter = rng.uniform(0.93, 1.07);
  switch (k) {
    case SensorKind::temperature: return (31 + fm.temperature_c * wear_effect) * jitter;
    case SensorKind::pressure: return std::max(110.0, (400 + fm.pressure_kpa * wear_effect) * jitter);
    case SensorKind::power: return type.power_kw * 0.65 * (1 + fm.power_share * wear_effect) * jitter;
    default: return (2.1 + fm.vibration_mm_s * wear_effect) * jitter;
  }
}

struct Event {
  TimestampMs ts;
  int machine;
  std::string kind;  // fault | repair | maintenance | warning | normal
  int mode;          // failure mode (fault, repair, warning), -1 otherwise
  double wear_effect;
};

TextRecord render(const PlantConfig& plant, const Event& ev, Rng& rng, const RecordsConfig& rc) {
  TextRecord r;
  r.ts = ev.ts;
  r.machine = ev.machine;
  const bool zh = rng.chance(rc.zh_share);
  r.lang = zh ? "zh" : "en";
  const double u = rng.uniform();
  r.split = u < rc.test_share ? "test" : u < rc.test_share + rc.dev_share ? "dev" : "train";
  r.kind = ev.kind == "warning" || ev.kind == "normal" ? "inspection" : ev.kind;
  r.label = ev.mode >= 0 ? kFailureModes[ev.mode].name : "normal";

  const TemplateSet* set = nullptr;
  for (const auto& s : templates())
    if (s.lang == r.lang && s.kind == ev.kind) set = &s;
  if (!set) throw InternalError("no templates for " + r.lang + "/" + ev.kind);
  std::vector<int> pool;
  for (int i = 0; i < static_cast<int>(set->texts.size()); ++i)
    if ((i % 3 == 2) == (r.split == "test")) pool.push_back(i);
  const int ti = pool[rng.below(pool.size())];
  r.template_id = fmt::format("{}-{}-{}", r.lang, ev.kind, ti);

  const Machine& m = plant.machines[ev.machine];
  const MachineType& type = plant.types[m.type];
  const ModeWords* words = ev.mode >= 0 ? &mode_words()[ev.mode] : nullptr;
  const FailureModeInfo& fm = kFailureModes[ev.mode >= 0 ? ev.mode : 0];

  // Slot values are drawn once per record so that a slot used twice reads the same.
  std::string equipment;
  switch (rng.below(4)) {
    case 0: equipment = m.id; break;
    case 1: equipment = zh ? m.id + "号机" : "machine " + m.id; break;
    case 2: equipment = zh ? m.id + type.label_zh : type.label_en + " " + m.id; break;
    default: equipment = zh ? type.label_zh + m.id : m.id; break;
  }
  const std::string component =
      words ? pick(rng, zh ? words->component_zh : words->component_en) : pick(rng, zh ? kGenericComponentZh : kGenericComponentEn);
  const std::string fault = words ? pick(rng, zh ? words->fault_zh : words->fault_en) : "";
  const std::string action =
      ev.kind == "repair" && words ? pick(rng, zh ? words->action_zh : words->action_en)
                                   : pick(rng, zh ? kGenericActionZh : kGenericActionEn);
  SensorKind sensor = SensorKind::vibration;
  if (words) sensor = words->sensors[rng.below(words->sensors.size())];
  else {
    static constexpr SensorKind normal_sensors[] = {SensorKind::vibration, SensorKind::temperature,
                                                    SensorKind::pressure, SensorKind::power};
    sensor = normal_sensors[rng.below(4)];
  }
  const double raw = reading(rng, sensor, type, fm, ev.mode >= 0 ? ev.wear_effect : 0.0);
  const double value = sensor == SensorKind::pressure ? std::round(raw) : std::round(raw * 10) / 10;
  const std::string quantity = quantity_word(rng, sensor, zh);
  const std::string measurement = measurement_text(rng, sensor, value, zh);

  const std::string tpl = set->texts[ti];
  bool used_measurement = false;
  int cp = 0;
  for (std::size_t i = 0; i < tpl.size();) {
    if (tpl[i] == '{' && i + 2 < tpl.size() && tpl[i + 2] == '}') {
      const char slot = tpl[i + 1];
      const std::string* fill = nullptr;
      const char* type_name = nullptr;
      switch (slot) {
        case 'E': fill = &equipment, type_name = "EQUIPMENT"; break;
        case 'C': fill = &component, type_name = "COMPONENT"; break;
        case 'F': fill = &fault, type_name = "FAULT"; break;
        case 'A': fill = &action, type_name = "ACTION"; break;
        case 'M': fill = &measurement, type_name = "MEASUREMENT", used_measurement = true; break;
        case 'Q': fill = &quantity; break;
        default: throw InternalError("bad template slot in: " + tpl);
      }
      // English sentences start with a capital letter even when a slot opens them.
      std::string text = *fill;
      if (r.text.empty() && !zh && !text.empty() && text[0] >= 'a' && text[0] <= 'z') text[0] = static_cast<char>(text[0] - 32);
      const int n = code_points(text);
      if (type_name) r.entities.push_back({cp, cp + n, type_name});
      r.text += text;
      cp += n;
      i += 3;
    } else {
      const unsigned char c = static_cast<unsigned char>(tpl[i]);
      r.text += tpl[i];
      cp += (c & 0xC0) != 0x80;
      ++i;
    }
  }
  if (used_measurement) r.value = value;
  return r;
}

}  // namespace

std::vector<TextRecord> generate_records(const PlantConfig& plant, const std::vector<MachineTimeline>& timelines) {
  const RecordsConfig& rc = plant.records;
  Rng rng(plant.seed, "records");
  constexpr TimestampMs kMinute = 60'000;
  std::vector<Event> events;
  for (const auto& tl : timelines) {
    for (const Failure& f : tl.failures) {
      events.push_back({f.start + static_cast<TimestampMs>(rng.uniform(5, 40) * kMinute), f.machine, "fault", f.mode, 1.0});
      events.push_back({f.end + static_cast<TimestampMs>(rng.uniform(0, 30) * kMinute), f.machine, "repair", f.mode, 1.0});
    }
    for (const MaintenanceWindow& w : tl.maintenance)
      events.push_back({w.end - static_cast<TimestampMs>(rng.uniform(0, 20) * kMinute), w.machine, "maintenance", -1, 0});
  }
  // A repair that ends after the simulated days is written up after them: not in this run; the
  // logs of a warm-up (PlantConfig::warmup_days) are not either (the calendar holds its services).
  events.erase(std::remove_if(events.begin(), events.end(),
                              [&](const Event& e) { return e.ts >= plant.end() || e.ts < plant.start; }),
               events.end());
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.ts != b.ts ? a.ts < b.ts : a.machine < b.machine; });
  if (static_cast<int>(events.size()) > rc.count) events.resize(static_cast<std::size_t>(rc.count));
  // Inspection rounds fill up the count: at random times, reporting what the machine's wear shows.
  const int n_machines = static_cast<int>(plant.machines.size());
  const double span = static_cast<double>(plant.end() - plant.start);
  const auto shifts = shift_intervals(plant);
  auto in_shift = [&](TimestampMs t) {
    auto it = std::upper_bound(shifts.begin(), shifts.end(), t,
                               [](TimestampMs v, const std::pair<TimestampMs, TimestampMs>& iv) { return v < iv.first; });
    return it != shifts.begin() && t < (it - 1)->second;
  };
  while (static_cast<int>(events.size()) < rc.count) {
    const int m = static_cast<int>(rng.below(static_cast<std::uint64_t>(n_machines)));
    // Rounds happen during shifts (a few tries; a plant without shift time takes any time).
    TimestampMs t = plant.start + static_cast<TimestampMs>(rng.uniform() * span);
    for (int tries = 0; tries < 20 && !in_shift(t); ++tries)
      t = plant.start + static_cast<TimestampMs>(rng.uniform() * span);
    const Segment& seg = timelines[m].at(t);
    const double wear = seg.wear_at(t);
    if (wear > 0.55 && seg.mode != Mode::down && seg.mode != Mode::maintenance)
      events.push_back({t, m, "warning", seg.latent, std::pow(std::min(wear, 1.0), 2.5)});
    else
      events.push_back({t, m, "normal", -1, 0});
  }
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.ts != b.ts ? a.ts < b.ts : a.machine < b.machine; });
  std::vector<TextRecord> out;
  out.reserve(events.size());
  for (const Event& ev : events) {
    out.push_back(render(plant, ev, rng, rc));
    out.back().id = fmt::format("R{:06}", out.size());
  }
  return out;
}

void write_records(const PlantConfig& plant, const std::vector<TextRecord>& records, const std::string& dir) {
  namespace fs = std::filesystem;
  {
    OutputFile f((fs::path(dir) / layout::kMaintenanceJsonl).string());
    for (const TextRecord& r : records) {
      nlohmann::ordered_json j;
      j["id"] = r.id;
      j["ts"] = format_iso8601(r.ts);
      j["machine"] = plant.machines[r.machine].id;
      j["lang"] = r.lang;
      j["split"] = r.split;
      j["kind"] = r.kind;
      j["template"] = r.template_id;
      j["text"] = r.text;
      j["label"] = r.label;
      if (r.value) j["value"] = *r.value;
      nlohmann::ordered_json ents = nlohmann::ordered_json::array();
      for (const auto& e : r.entities) ents.push_back({e.start, e.end, e.type});
      j["entities"] = std::move(ents);
      f.buf() += j.dump();
      f.buf() += '\n';
      f.maybe_flush();
    }
    f.close();
  }
  for (std::string_view split : layout::kSplits)
    for (std::string_view lang : layout::kLanguages) {
      OutputFile f((fs::path(dir) / layout::kRecordsDir /
                    (std::string(split) + "." + std::string(lang) + std::string(layout::kBioExt)))
                       .string());
      for (const TextRecord& r : records) {
        if (r.split != split || r.lang != lang) continue;
        for (const text::LogWord& t : text::log_words(r.text, r.lang)) {
          std::string tag = "O";
          for (const auto& e : r.entities) {
            if (t.start >= e.end || t.end <= e.start) continue;
            if (t.start < e.start || t.end > e.end)
              throw InternalError(fmt::format("record {}: token '{}' crosses an entity boundary", r.id, t.text));
            tag = (t.start == e.start ? "B-" : "I-") + e.type;
          }
          f.buf() += t.text;
          f.buf() += ' ';
          f.buf() += tag;
          f.buf() += '\n';
        }
        f.buf() += '\n';
        f.maybe_flush();
      }
      f.close();
    }
}

}  // namespace xinzhi::twin
