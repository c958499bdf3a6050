// Tabu search for flexible shops, machine calendars and weighted tardiness (after
// Mastrolilli & Gambardella): from a critical path (to the makespan, or to a tardy job's
// completion) it tries N7 resequencing moves within critical blocks and reassignments of
// critical operations to another eligible machine at a position that cannot create a cycle.
// Every move is valued exactly (the schedule is re-timed with calendars), since windows make
// heads-and-tails estimates unreliable; instances with calendars are the warehouse's, small.
#include <algorithm>

#include "optimize/search_shared.hpp"

namespace xinzhi::optimize::detail {

namespace {

class FlexTabu {
 public:
  FlexTabu(const FlatShop& shop, const Solution& start, std::uint64_t seed, int thread, SharedBest& shared)
      : shop_(shop), shared_(shared), rng_(thread_rng(seed, thread, 3)), thread_(thread) {
    n_ = shop.n;
    objective_ = shared.options().objective;
    p_.resize(n_), mach_.resize(n_), pos_.resize(n_), mp_.resize(n_), ms_.resize(n_), start_.resize(n_), end_.resize(n_);
    q_.resize(n_), topo_.resize(n_), indeg_.resize(n_);
    load(start);
    tabu_arc_.assign(static_cast<std::size_t>(n_) * n_, 0);
    tabu_mach_.assign(static_cast<std::size_t>(n_) * shop.machines, 0);
    const int machines = std::max(1, shop.machines);
    tenure_min_ = 8 + shop.jobs / machines;
    tenure_max_ = tenure_min_ * 3 / 2;
    stagnation_limit_ = 2000 + 5 * n_;
  }

  std::int64_t run() {
    const std::int64_t max_iter = shared_.options().iterations;
    decode();
    best_ = value_;
    best_sol_ = solution();
    shared_.offer(best_.first, best_sol_, thread_);
    std::int64_t iter = 0, since_best = 0;
    while (true) {
      if ((iter & 15) == 0 && shared_.stop()) break;
      if (max_iter > 0 && iter >= max_iter) break;
      if (objective_ == Objective::weighted_tardiness && best_.first <= 0) break;
      ++iter;
      ++clock_;
      if (++since_best > stagnation_limit_ || !step()) {
        restart();
        since_best = 0;
        continue;
      }
      if (value_ < best_) {
        best_ = value_;
        best_sol_ = solution();
        since_best = 0;
        if (elite_.size() < 6) elite_.push_back(best_sol_);
        else elite_[elite_next_++ % elite_.size()] = best_sol_;
        if (value_.first < shared_.value()) shared_.offer(value_.first, best_sol_, thread_);
      }
    }
    return iter;
  }

 private:
  using Value = std::pair<double, double>;  // objective, then sum of completions (plateaus)

  void load(const Solution& s) {
    assign_ = s.assign;
    seq_ = s.seq;
    for (int i = 0; i < n_; ++i) {
      p_[i] = shop_.duration(i, assign_[i]);
      mach_[i] = shop_.machine(i, assign_[i]);
    }
    for (int m = 0; m < shop_.machines; ++m) relink(m, 0, static_cast<int>(seq_[m].size()) - 1);
  }
  Solution solution() const { return Solution{assign_, seq_}; }

  void relink(int m, int a, int b) {
    auto& s = seq_[m];
    a = std::max(a - 1, 0);
    b = std::min(b + 1, static_cast<int>(s.size()) - 1);
    for (int k = a; k <= b; ++k) {
      const int i = s[k];
      pos_[i] = k;
      mp_[i] = k > 0 ? s[k - 1] : -1;
      ms_[i] = k + 1 < static_cast<int>(s.size()) ? s[k + 1] : -1;
    }
  }

  // Times the current solution; false on a cycle. Also tails (ignoring calendars) for the
  // choice of insertion positions.
  bool decode() {
    int head = 0, tail = 0;
    for (int i = 0; i < n_; ++i) {
      indeg_[i] = (shop_.job_prev[i] >= 0) + (mp_[i] >= 0);
      if (!indeg_[i]) topo_[tail++] = i;
    }
    const auto& cal = shop_.inst->calendars;
    while (head < tail) {
      const int i = topo_[head++];
      Time t = shop_.release[i];
      const int jp = shop_.job_prev[i];
      if (jp >= 0) t = std::max(t, end_[jp]);
      if (mp_[i] >= 0) t = std::max(t, end_[mp_[i]]);
      if (shop_.calendars) t = earliest_fit(cal[mach_[i]], t, p_[i]);
      start_[i] = t;
      end_[i] = t + p_[i];
      const int js = shop_.job_next[i];
      if (js >= 0 && --indeg_[js] == 0) topo_[tail++] = js;
      if (ms_[i] >= 0 && --indeg_[ms_[i]] == 0) topo_[tail++] = ms_[i];
    }
    if (tail < n_) return false;
    value_ = evaluate();
    return true;
  }

  Value evaluate() const {
    double primary = 0, secondary = 0;
    if (objective_ == Objective::makespan) {
      Time c = 0;
      for (int i = 0; i < n_; ++i) c = std::max(c, end_[i]);
      primary = static_cast<double>(c);
    }
    for (int j = 0; j < shop_.jobs; ++j) {
      const Time c = end_[shop_.first_op[j + 1] - 1];
      secondary += static_cast<double>(c);
      if (objective_ == Objective::weighted_tardiness) {
        const Job& job = shop_.inst->jobs[j];
        if (job.due < kForever && c > job.due) primary += job.weight * static_cast<double>(c - job.due);
      }
    }
    return {primary, secondary};
  }

  void compute_tails() {
    for (int k = n_ - 1; k >= 0; --k) {
      const int i = topo_[k];
      Time t = 0;
      const int js = shop_.job_next[i];
      if (js >= 0) t = q_[js] + p_[js];
      if (ms_[i] >= 0) t = std::max(t, q_[ms_[i]] + p_[ms_[i]]);
      q_[i] = t;
    }
  }

  // A critical path: to the makespan, or to the completion of a tardy job chosen with
  // probability proportional to its weighted tardiness.
  void critical_path() {
    path_.clear();
    int end = -1;
    if (objective_ == Objective::makespan) {
      Time c = 0;
      int count = 0;
      for (int i = 0; i < n_; ++i) c = std::max(c, end_[i]);
      for (int i = 0; i < n_; ++i)
        if (end_[i] == c && std::uniform_int_distribution<int>(0, count++)(rng_) == 0) end = i;
    } else {
      double total = 0;
      for (int j = 0; j < shop_.jobs; ++j) total += tardiness(j);
      double pick = std::uniform_real_distribution<double>(0, total)(rng_);
      for (int j = 0; j < shop_.jobs && end < 0; ++j) {
        pick -= tardiness(j);
        if (tardiness(j) > 0 && pick <= 0) end = shop_.first_op[j + 1] - 1;
      }
      if (end < 0) return;
    }
    for (int i = end; i >= 0;) {
      path_.push_back(i);
      const int jp = shop_.job_prev[i];
      const bool jt = jp >= 0 && end_[jp] == start_[i];
      const bool mt = mp_[i] >= 0 && end_[mp_[i]] == start_[i];
      if (jt && mt) i = (rng_() & 1) ? jp : mp_[i];
      else if (jt) i = jp;
      else if (mt) i = mp_[i];
      else if (shop_.calendars && start_[i] > shop_.release[i] && mp_[i] >= 0)
        i = mp_[i];  // pushed past a window: the machine's earlier work is what to reorder
      else i = -1;
    }
    std::reverse(path_.begin(), path_.end());
  }
  double tardiness(int j) const {
    const Job& job = shop_.inst->jobs[j];
    const Time c = end_[shop_.first_op[j + 1] - 1];
    return job.due < kForever && c > job.due ? job.weight * static_cast<double>(c - job.due) : 0.0;
  }

  struct Move {
    int op;         // the operation that moves
    int machine;    // its machine after the move
    int position;   // its index in that machine's sequence after the move
    int from_machine, from_position;
  };

  void apply(const Move& mv) {
    const int v = mv.op;
    seq_[mv.from_machine].erase(seq_[mv.from_machine].begin() + mv.from_position);
    seq_[mv.machine].insert(seq_[mv.machine].begin() + mv.position, v);
    if (mv.machine != mv.from_machine) {
      assign_[v] = shop_.option_of(v, mv.machine);
      p_[v] = shop_.duration(v, assign_[v]);
      mach_[v] = mv.machine;
      // Positions after the erase and the insert shift by one.
      relink(mv.from_machine, mv.from_position, static_cast<int>(seq_[mv.from_machine].size()) - 1);
      relink(mv.machine, mv.position, static_cast<int>(seq_[mv.machine].size()) - 1);
    } else {
      relink(mv.machine, std::min(mv.position, mv.from_position), std::max(mv.position, mv.from_position));
    }
  }
  void revert(const Move& mv) {
    apply(Move{mv.op, mv.from_machine, mv.from_position, mv.machine, mv.position});
  }
  // Reordering within one machine: does it restore an arc made tabu?
  bool is_tabu(const Move& mv) const {
    const int v = mv.op;
    if (mv.machine != mv.from_machine) return tabu_mach_[static_cast<std::size_t>(v) * shop_.machines + mv.machine] > clock_;
    const auto& s = seq_[mv.machine];
    if (mv.position > mv.from_position) {  // v jumps forward over s[from+1 .. position]
      for (int k = mv.from_position + 1; k <= mv.position; ++k)
        if (tabu_arc_[static_cast<std::size_t>(s[k]) * n_ + v] > clock_) return true;
    } else {
      for (int k = mv.position; k < mv.from_position; ++k)
        if (tabu_arc_[static_cast<std::size_t>(v) * n_ + s[k]] > clock_) return true;
    }
    return false;
  }
  void remember(const Move& mv) {
    const std::uint32_t until = clock_ + std::uniform_int_distribution<int>(tenure_min_, tenure_max_)(rng_);
    const int v = mv.op;
    if (mv.machine != mv.from_machine) {
      tabu_mach_[static_cast<std::size_t>(v) * shop_.machines + mv.from_machine] = until;
      return;
    }
    const auto& s = seq_[mv.machine];  // before the move
    if (mv.position > mv.from_position)
      for (int k = mv.from_position + 1; k <= mv.position; ++k) tabu_arc_[static_cast<std::size_t>(v) * n_ + s[k]] = until;
    else
      for (int k = mv.position; k < mv.from_position; ++k) tabu_arc_[static_cast<std::size_t>(s[k]) * n_ + v] = until;
  }

  // Ordering moves are safe when heads/tails say no path closes a cycle (as in the job-shop
  // search); insertion on another machine between u and w is safe when u cannot be reached
  // from v's job successor and w cannot reach v's job predecessor.
  bool safe_forward(int u, int v) const {  // u after v, same machine
    const int s = shop_.job_next[u];
    return s < 0 || start_[v] < end_[s];
  }
  bool safe_backward(int u, int v) const {  // u before v
    const int pj = shop_.job_prev[u];
    return pj < 0 || start_[pj] < end_[v];
  }

  void neighbourhood() {
    moves_.clear();
    // Blocks of the path.
    for (std::size_t k = 0; k < path_.size();) {
      std::size_t e = k;
      while (e + 1 < path_.size() && mp_[path_[e + 1]] == path_[e]) ++e;
      if (e > k) {
        const int m = mach_[path_[k]];
        const int first = pos_[path_[k]], last = pos_[path_[e]];
        const auto& s = seq_[m];
        auto add = [&](int from, int to) { moves_.push_back({s[from], m, to, m, from}); };
        for (int a = first + 1; a <= last; ++a)
          if (safe_backward(s[a], s[first])) add(a, first);
        for (int a = first; a < last; ++a)
          if (last - first > 1 && safe_forward(s[a], s[last])) add(a, last);
        for (int a = first + 2; a < last; ++a)
          if (safe_forward(s[first], s[a])) add(first, a);
        for (int a = first + 1; a < last - 1; ++a)
          if (safe_backward(s[last], s[a])) add(last, a);
      }
      k = e + 1;
    }
    // Reassignments of critical operations.
    compute_tails();
    for (int v : path_) {
      if (shop_.options(v) < 2) continue;
      const int jp = shop_.job_prev[v], js = shop_.job_next[v];
      const Time head = std::max(shop_.release[v], jp >= 0 ? end_[jp] : 0);
      const Time tail = js >= 0 ? q_[js] + p_[js] : 0;
      for (int o = 0; o < shop_.options(v); ++o) {
        const int m = shop_.machine(v, o);
        if (m == mach_[v]) continue;
        const Time d = shop_.duration(v, o);
        const auto& s = seq_[m];
        int best_pos = -1;
        Time best_est = 0;
        for (int k = 0; k <= static_cast<int>(s.size()); ++k) {
          const int u = k > 0 ? s[k - 1] : -1, w = k < static_cast<int>(s.size()) ? s[k] : -1;
          if (u >= 0 && js >= 0 && start_[u] >= end_[js]) break;  // later positions are unsafe too
          if (w >= 0 && jp >= 0 && end_[w] <= start_[jp]) continue;
          const Time est = std::max(head, u >= 0 ? end_[u] : 0) + d + std::max(tail, w >= 0 ? q_[w] + p_[w] : 0);
          if (best_pos < 0 || est < best_est) best_pos = k, best_est = est;
        }
        if (best_pos >= 0) moves_.push_back({v, m, best_pos, mach_[v], pos_[v]});
      }
    }
  }

  bool step() {
    critical_path();
    if (path_.empty()) return false;
    neighbourhood();
    if (moves_.empty()) return false;
    const Value current = value_;
    int best = -1, ties = 0;
    Value best_value{};
    for (std::size_t k = 0; k < moves_.size(); ++k) {
      const Move& mv = moves_[k];
      const bool tabu = is_tabu(mv);
      apply(mv);
      const bool ok = decode();
      const Value v = value_;
      revert(mv);
      if (!ok) continue;
      if (tabu && !(v < best_)) continue;
      if (best < 0 || v < best_value) best = static_cast<int>(k), best_value = v, ties = 1;
      else if (v == best_value && std::uniform_int_distribution<int>(0, ties++)(rng_) == 0) best = static_cast<int>(k);
    }
    (void)current;
    if (best < 0) {
      // Everything tabu: take a random acyclic move.
      for (int tries = 0; tries < 8 && best < 0; ++tries) {
        const int k = std::uniform_int_distribution<int>(0, static_cast<int>(moves_.size()) - 1)(rng_);
        apply(moves_[k]);
        if (decode()) best = k;
        revert(moves_[k]);
      }
      if (best < 0) {
        decode();
        return false;
      }
    }
    remember(moves_[best]);
    apply(moves_[best]);
    decode();
    return true;
  }

  void restart() {
    const Solution* from = &best_sol_;
    Solution shared;
    if (shared_.value() < best_.first && rng_() % 2 == 0) {
      shared = shared_.get();
      from = &shared;
    } else if (!elite_.empty() && rng_() % 2 == 0) {
      from = &elite_[rng_() % elite_.size()];
    }
    load(*from);
    decode();
    const int kicks = 2 + static_cast<int>(rng_() % 5);
    for (int k = 0; k < kicks; ++k) {
      critical_path();
      neighbourhood();
      if (moves_.empty()) break;
      const Move mv = moves_[rng_() % moves_.size()];
      apply(mv);
      if (!decode()) {
        revert(mv);
        decode();
      }
    }
    clock_ += tenure_max_ + 1;
  }

  const FlatShop& shop_;
  SharedBest& shared_;
  std::mt19937_64 rng_;
  int thread_;
  int n_ = 0;
  Objective objective_;
  std::vector<int> assign_, mach_, pos_, mp_, ms_, topo_, indeg_, path_;
  std::vector<Time> p_, start_, end_, q_;
  std::vector<std::vector<int>> seq_;
  std::vector<Move> moves_;
  std::vector<std::uint32_t> tabu_arc_, tabu_mach_;
  std::uint32_t clock_ = 1;
  int tenure_min_ = 8, tenure_max_ = 12;
  std::int64_t stagnation_limit_ = 3000;
  Value value_{}, best_{};
  Solution best_sol_;
  std::vector<Solution> elite_;
  std::size_t elite_next_ = 0;
};

}  // namespace

std::int64_t flex_tabu(const FlatShop& shop, const Solution& start, std::uint64_t seed, int thread, SharedBest& shared) {
  auto search = std::make_unique<FlexTabu>(shop, start, seed, thread, shared);
  return search->run();
}

}  // namespace xinzhi::optimize::detail
