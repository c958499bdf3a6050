#include "text/evaluate/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

namespace xinzhi::text {

namespace {

ClassScore score(const std::string& name, long tp, long npred, long ngold) {
  ClassScore s;
  s.name = name;
  s.precision = npred ? static_cast<double>(tp) / static_cast<double>(npred) : 0.0;
  s.recall = ngold ? static_cast<double>(tp) / static_cast<double>(ngold) : 0.0;
  s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
  s.support = ngold;
  return s;
}

// Per-class counts -> report with micro, macro and support-weighted averages.
ClassReport finish(const std::vector<std::string>& names, const std::map<std::string, long>& tp,
                   const std::map<std::string, long>& npred, const std::map<std::string, long>& ngold) {
  ClassReport r;
  long TP = 0, P = 0, G = 0;
  auto get = [](const std::map<std::string, long>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() ? 0L : it->second;
  };
  for (const auto& n : names) {
    r.classes.push_back(score(n, get(tp, n), get(npred, n), get(ngold, n)));
    TP += get(tp, n), P += get(npred, n), G += get(ngold, n);
  }
  r.micro = score("micro avg", TP, P, G);
  r.macro.name = "macro avg";
  r.weighted.name = "weighted avg";
  r.macro.support = r.weighted.support = G;
  for (const auto& c : r.classes) {
    const double k = names.empty() ? 0 : 1.0 / static_cast<double>(names.size());
    r.macro.precision += c.precision * k, r.macro.recall += c.recall * k, r.macro.f1 += c.f1 * k;
    const double w = G ? static_cast<double>(c.support) / static_cast<double>(G) : 0;
    r.weighted.precision += c.precision * w, r.weighted.recall += c.recall * w, r.weighted.f1 += c.f1 * w;
  }
  r.accuracy = G ? static_cast<double>(TP) / static_cast<double>(G) : 0;
  return r;
}

// B-LOC, I-LOC, B-MISC, ..., then O and labels without a B-/I- prefix.
std::vector<std::string> report_order(std::set<std::string> labels) {
  std::vector<std::string> v(labels.begin(), labels.end());
  auto key = [](const std::string& l) {
    if (l.size() > 2 && l[1] == '-' && (l[0] == 'B' || l[0] == 'I'))
      return std::make_tuple(0, l.substr(2), l[0] == 'B' ? 0 : 1, std::string());
    return std::make_tuple(1, std::string(), 0, l);
  };
  std::sort(v.begin(), v.end(), [&](auto& a, auto& b) { return key(a) < key(b); });
  return v;
}

}  // namespace

std::string ClassReport::text() const {
  size_t width = std::string("weighted avg").size();
  for (const auto& c : classes) width = std::max(width, c.name.size());
  std::string out = fmt::format("{:>{}}  {:>9} {:>9} {:>9} {:>9}\n", "", width, "precision", "recall", "f1-score", "support");
  auto row = [&](const ClassScore& c) {
    out += fmt::format("{:>{}}  {:>9.3f} {:>9.3f} {:>9.3f} {:>9}\n", c.name, width, c.precision, c.recall, c.f1, c.support);
  };
  for (const auto& c : classes) row(c);
  row(micro);
  row(macro);
  row(weighted);
  return out;
}

nlohmann::ordered_json ClassReport::json() const {
  nlohmann::ordered_json j;
  auto one = [](const ClassScore& c) {
    return nlohmann::ordered_json{{"precision", c.precision}, {"recall", c.recall}, {"f1", c.f1}, {"support", c.support}};
  };
  for (const auto& c : classes) j["classes"][c.name] = one(c);
  j["micro avg"] = one(micro);
  j["macro avg"] = one(macro);
  j["weighted avg"] = one(weighted);
  j["accuracy"] = accuracy;
  return j;
}

ClassReport label_report(const std::vector<std::string>& gold, const std::vector<std::string>& pred) {
  std::map<std::string, long> tp, np, ng;
  std::set<std::string> labels;
  for (size_t i = 0; i < gold.size(); ++i) {
    labels.insert(gold[i]);
    labels.insert(pred[i]);
    ++ng[gold[i]];
    ++np[pred[i]];
    if (gold[i] == pred[i]) ++tp[gold[i]];
  }
  return finish(report_order(labels), tp, np, ng);
}

std::vector<Entity> extract_entities(const std::vector<std::string>& tags, bool strict) {
  std::vector<Entity> out;
  std::string type;
  size_t begin = 0;
  bool open = false;
  auto close = [&](size_t end) {
    if (open) out.push_back({type, begin, end});
    open = false;
  };
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string& t = tags[i];
    const bool tagged = t.size() > 2 && t[1] == '-';
    const char prefix = tagged ? t[0] : 'O';
    const std::string ty = tagged ? t.substr(2) : "";
    if (prefix == 'B') {
      close(i);
      open = true, type = ty, begin = i;
    } else if (prefix == 'I') {
      if (open && ty == type) continue;
      close(i);
      if (!strict) open = true, type = ty, begin = i;  // conlleval: I- after O/other type starts one
    } else {
      close(i);
    }
  }
  close(tags.size());
  return out;
}

ClassReport entity_report(const std::vector<std::vector<std::string>>& gold,
                          const std::vector<std::vector<std::string>>& pred, bool strict) {
  std::map<std::string, long> tp, np, ng;
  std::set<std::string> types;
  for (size_t s = 0; s < gold.size(); ++s) {
    auto g = extract_entities(gold[s], strict), p = extract_entities(pred[s], strict);
    for (auto& e : g) ++ng[e.type], types.insert(e.type);
    for (auto& e : p) ++np[e.type], types.insert(e.type);
    for (auto& e : p)
      if (std::find(g.begin(), g.end(), e) != g.end()) ++tp[e.type];
  }
  return finish(std::vector<std::string>(types.begin(), types.end()), tp, np, ng);
}

std::string RegressionReport::text() const {
  return fmt::format("n {}  MAE {:.4f}  RMSE {:.4f}  R² {:.4f}\n", n, mae, rmse, r2);
}

nlohmann::ordered_json RegressionReport::json() const {
  return {{"n", n}, {"mae", mae}, {"rmse", rmse}, {"r2", r2}};
}

RegressionReport regression_report(const std::vector<double>& gold, const std::vector<double>& pred) {
  RegressionReport r;
  r.n = static_cast<long>(gold.size());
  if (gold.empty()) return r;
  double mean = 0, se = 0, ae = 0, tot = 0;
  for (double g : gold) mean += g;
  mean /= static_cast<double>(gold.size());
  for (size_t i = 0; i < gold.size(); ++i) {
    ae += std::abs(gold[i] - pred[i]);
    se += (gold[i] - pred[i]) * (gold[i] - pred[i]);
    tot += (gold[i] - mean) * (gold[i] - mean);
  }
  r.mae = ae / static_cast<double>(r.n);
  r.rmse = std::sqrt(se / static_cast<double>(r.n));
  r.r2 = tot > 0 ? 1.0 - se / tot : 0.0;
  return r;
}

ClassReport multilabel_report(const std::vector<std::vector<int>>& gold, const std::vector<std::vector<int>>& pred,
                              const std::vector<std::string>& labels) {
  std::map<std::string, long> tp, np, ng;
  long exact = 0;
  for (size_t i = 0; i < gold.size(); ++i) {
    exact += gold[i] == pred[i];
    for (size_t k = 0; k < labels.size(); ++k) {
      ng[labels[k]] += gold[i][k];
      np[labels[k]] += pred[i][k];
      tp[labels[k]] += gold[i][k] && pred[i][k];
    }
  }
  auto r = finish(labels, tp, np, ng);
  r.accuracy = gold.empty() ? 0 : static_cast<double>(exact) / static_cast<double>(gold.size());  // exact match
  return r;
}

}  // namespace xinzhi::text
