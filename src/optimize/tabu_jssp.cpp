// Tabu search for the job shop in the line of Nowicki & Smutnicki (TSAB) and Zhang et al.
// (N7 neighbourhood): moves shift an operation of a critical block to the block's front or
// back, or the block's first/last operation into its interior. A move is valued without
// recomputing the schedule, from the heads (earliest starts) and tails (longest path to the
// end) of the operations it touches, as in Balas & Vazacopoulos; only the chosen move is
// applied and the heads and tails recomputed (flat arrays, no allocation per iteration).
// When the search stagnates it restarts from a solution between two elite solutions (path
// relinking, after Peng, Lü & Cheng's TS/PR), which plays the part of i-TSAB's back-jumps.
#include <algorithm>
#include <cstdlib>
#include <cstdio>
#include <cstring>

#include "optimize/search_shared.hpp"

namespace xinzhi::optimize::detail {

namespace {

class JsspTabu {
 public:
  JsspTabu(const FlatShop& shop, const Solution& start, std::uint64_t seed, int thread, SharedBest& shared)
      : shop_(shop), shared_(shared), rng_(thread_rng(seed, thread, 1)), thread_(thread) {
    n_ = shop.n;
    assign_ = start.assign;
    p_.resize(n_), jp_.resize(n_), js_.resize(n_), mach_.resize(n_), rel_.resize(n_);
    for (int i = 0; i < n_; ++i) {
      p_[i] = shop.duration(i, assign_[i]);
      jp_[i] = shop.job_prev[i];
      js_[i] = shop.job_next[i];
      mach_[i] = shop.machine(i, assign_[i]);
      rel_[i] = shop.release[i];
    }
    mstart_.assign(shop.machines + 1, 0);
    for (int m = 0; m < shop.machines; ++m) mstart_[m + 1] = mstart_[m] + static_cast<int>(start.seq[m].size());
    seq_.resize(n_);
    pos_.resize(n_), mp_.resize(n_), ms_.resize(n_), r_.resize(n_), q_.resize(n_), topo_.resize(n_), indeg_.resize(n_);
    order_buf_.resize(n_ + 1);
    nr_.resize(n_ + 1);
    load(start);
    tabu_.assign(static_cast<std::size_t>(n_) * n_, 0);
    const int jobs = shop.jobs, machines = std::max(1, shop.machines);
    // Zhang et al. use 10 + n/m; shorter tenures did better here with path relinking.
    tenure_min_ = 7 + jobs / machines;
    tenure_max_ = jobs <= 2 * machines ? tenure_min_ * 14 / 10 : tenure_min_ * 15 / 10;
    stagnation_limit_ = 5000 + 10 * n_;
  }

  // Tabu search from the start until it stagnates, then rounds of: take two elite solutions,
  // walk part of the way from one to the other (path relinking), tabu search from there,
  // and let the result replace the worst elite (after Peng, Lü & Cheng's TS/PR).
  std::int64_t run() {
    max_iter_ = shared_.options().iterations;
    if (!compute()) return 0;
    best_value_ = cmax_;
    save(best_seq_);
    shared_.offer(static_cast<double>(cmax_), solution(), thread_);
    while (!finished()) {
      tabu_until_stagnation();
      add_to_pool(local_best_seq_, local_best_);
      if (finished()) break;
      if (pool_.size() < pool_size_) {
        random_start();  // fill the pool from diverse starts
      } else {
        const std::size_t a = rng_() % pool_.size();
        std::size_t b = rng_() % (pool_.size() - 1);
        if (b >= a) ++b;
        load_flat(pool_[a].seq);
        relink_towards(pool_[b].seq);
        if (!compute()) {
          load_flat(pool_[a].seq);
          compute();
          kick();
        }
      }
      // Now and then bring in the best of the other threads.
      if (shared_.value() < static_cast<double>(best_value_) && rng_() % 4 == 0) {
        Solution g = shared_.get();
        load(g);
        compute();
        if (cmax_ < best_value_) best_value_ = cmax_, save(best_seq_);
        add_to_pool(seq_, cmax_);
        kick();
      }
      clock_ += tenure_max_ + 1;  // forget the tabu list
    }
    return iter_;
  }

 private:
  struct Move {
    int u, v;       // move u to just after v (forward) or just before v (backward)
    bool forward;
    Time value;
  };

  void load(const Solution& s) {
    for (int m = 0; m < shop_.machines; ++m)
      std::copy(s.seq[m].begin(), s.seq[m].end(), seq_.begin() + mstart_[m]);
    relink(0, n_ - 1);
  }
  void load_flat(const std::vector<int>& flat) {
    seq_ = flat;
    relink(0, n_ - 1);
  }
  void save(std::vector<int>& flat) const { flat = seq_; }
  Solution solution() const {
    Solution s;
    s.assign = assign_;
    s.seq.resize(shop_.machines);
    for (int m = 0; m < shop_.machines; ++m) s.seq[m].assign(seq_.begin() + mstart_[m], seq_.begin() + mstart_[m + 1]);
    return s;
  }

  // Machine predecessor/successor links for positions a..b of the flat sequence.
  void relink(int a, int b) {
    for (int k = a; k <= b; ++k) {
      const int i = seq_[k], m = mach_[i];
      pos_[i] = k;
      mp_[i] = k > mstart_[m] ? seq_[k - 1] : -1;
      ms_[i] = k + 1 < mstart_[m + 1] ? seq_[k + 1] : -1;
    }
    if (a > 0) {
      const int i = seq_[a - 1];
      if (mach_[i] == mach_[seq_[a]]) ms_[i] = seq_[a];
    }
    if (b + 1 < n_) {
      const int i = seq_[b + 1];
      if (mach_[i] == mach_[seq_[b]]) mp_[i] = seq_[b];
    }
  }

  // Heads, tails and makespan; false when the graph has a cycle.
  bool compute() {
    int head = 0, tail = 0;
    for (int i = 0; i < n_; ++i) {
      indeg_[i] = (jp_[i] >= 0) + (mp_[i] >= 0);
      if (!indeg_[i]) topo_[tail++] = i;
    }
    while (head < tail) {
      const int i = topo_[head++];
      Time t = rel_[i];
      if (jp_[i] >= 0) t = std::max(t, r_[jp_[i]] + p_[jp_[i]]);
      if (mp_[i] >= 0) t = std::max(t, r_[mp_[i]] + p_[mp_[i]]);
      r_[i] = t;
      if (js_[i] >= 0 && --indeg_[js_[i]] == 0) topo_[tail++] = js_[i];
      if (ms_[i] >= 0 && --indeg_[ms_[i]] == 0) topo_[tail++] = ms_[i];
    }
    if (tail < n_) return false;
    cmax_ = 0;
    for (int k = n_ - 1; k >= 0; --k) {
      const int i = topo_[k];
      Time t = 0;
      if (js_[i] >= 0) t = q_[js_[i]] + p_[js_[i]];
      if (ms_[i] >= 0) t = std::max(t, q_[ms_[i]] + p_[ms_[i]]);
      q_[i] = t;
      cmax_ = std::max(cmax_, r_[i] + p_[i] + t);
    }
    return true;
  }

  // One critical path (random tie-breaks), cut into blocks of consecutive operations on
  // one machine: blocks_ holds [first position, last position] pairs.
  void critical_blocks() {
    path_.clear();
    int count = 0, end = -1;
    for (int i = 0; i < n_; ++i)
      if (r_[i] + p_[i] == cmax_ && std::uniform_int_distribution<int>(0, count++)(rng_) == 0) end = i;
    for (int i = end; i >= 0;) {
      path_.push_back(i);
      const bool jt = jp_[i] >= 0 && r_[jp_[i]] + p_[jp_[i]] == r_[i];
      const bool mt = mp_[i] >= 0 && r_[mp_[i]] + p_[mp_[i]] == r_[i];
      if (jt && mt) i = (rng_() & 1) ? jp_[i] : mp_[i];
      else if (jt) i = jp_[i];
      else if (mt) i = mp_[i];
      else i = -1;
    }
    std::reverse(path_.begin(), path_.end());
    blocks_.clear();
    for (std::size_t k = 0; k < path_.size();) {
      std::size_t e = k;
      while (e + 1 < path_.size() && mp_[path_[e + 1]] == path_[e]) ++e;
      if (e > k) blocks_.push_back({pos_[path_[k]], pos_[path_[e]]});
      k = e + 1;
    }
  }

  bool feasible(int u, int v, bool forward) const {
    if (forward) {  // u jumps after v: a cycle needs a path from js(u) to v
      const int s = js_[u];
      if (s == v) return false;  // a job revisiting a machine
      return s < 0 || r_[v] < r_[s] + p_[s] || q_[s] < q_[v] + p_[v];
    }
    const int pj = jp_[u];  // u jumps before v: a cycle needs a path from v to jp(u)
    if (pj == v) return false;
    return pj < 0 || r_[pj] < r_[v] + p_[v] || q_[v] < q_[pj] + p_[pj];
  }

  // Estimated makespan after the move: new heads and tails of the shifted segment only.
  Time estimate(int u, int v, bool forward) {
    const int a = forward ? pos_[u] : pos_[v], b = forward ? pos_[v] : pos_[u];
    const int len = b - a + 1;
    int* order = order_buf_.data();
    if (forward) {
      for (int k = 0; k < len - 1; ++k) order[k] = seq_[a + 1 + k];
      order[len - 1] = u;
    } else {
      order[0] = u;
      for (int k = 1; k < len; ++k) order[k] = seq_[a + k - 1];
    }
    const int m = mach_[u];
    const int before = a > mstart_[m] ? seq_[a - 1] : -1, after = b + 1 < mstart_[m + 1] ? seq_[b + 1] : -1;
    Time prev_end = before >= 0 ? r_[before] + p_[before] : 0;
    for (int k = 0; k < len; ++k) {
      const int i = order[k];
      Time t = std::max(rel_[i], prev_end);
      if (jp_[i] >= 0) t = std::max(t, r_[jp_[i]] + p_[jp_[i]]);
      nr_[k] = t;
      prev_end = t + p_[i];
    }
    Time next_tail = after >= 0 ? q_[after] + p_[after] : 0, best = 0;
    for (int k = len - 1; k >= 0; --k) {
      const int i = order[k];
      Time t = next_tail;
      if (js_[i] >= 0) t = std::max(t, q_[js_[i]] + p_[js_[i]]);
      best = std::max(best, nr_[k] + p_[i] + t);
      next_tail = t + p_[i];
    }
    return best;
  }

  bool is_tabu(int u, int v, bool forward) const {
    if (forward) {  // creates arcs (x, u) for x in (u, v]
      for (int k = pos_[u] + 1; k <= pos_[v]; ++k)
        if (tabu_[static_cast<std::size_t>(seq_[k]) * n_ + u] > clock_) return true;
    } else {        // creates arcs (u, x) for x in [v, u)
      for (int k = pos_[v]; k < pos_[u]; ++k)
        if (tabu_[static_cast<std::size_t>(u) * n_ + seq_[k]] > clock_) return true;
    }
    return false;
  }

  void apply(const Move& mv, bool remember) {
    const int u = mv.u, v = mv.v;
    const int a = mv.forward ? pos_[u] : pos_[v], b = mv.forward ? pos_[v] : pos_[u];
    if (remember) {
      const std::uint32_t until = clock_ + std::uniform_int_distribution<int>(tenure_min_, tenure_max_)(rng_);
      // Forbid restoring the arcs the move reverses.
      if (mv.forward)
        for (int k = a + 1; k <= b; ++k) tabu_[static_cast<std::size_t>(u) * n_ + seq_[k]] = until;
      else
        for (int k = a; k < b; ++k) tabu_[static_cast<std::size_t>(seq_[k]) * n_ + u] = until;
    }
    if (mv.forward) std::rotate(seq_.begin() + a, seq_.begin() + a + 1, seq_.begin() + b + 1);
    else std::rotate(seq_.begin() + a, seq_.begin() + b, seq_.begin() + b + 1);
    relink(a, b);
  }

  void neighbourhood() {
    moves_.clear();
    auto add = [&](int u, int v, bool forward) {
      if (feasible(u, v, forward)) moves_.push_back({u, v, forward, 0});
    };
    for (const auto& [first, last] : blocks_) {
      const int len = last - first + 1;
      const int b0 = seq_[first], bl = seq_[last];
      for (int k = first + 1; k <= last; ++k) add(seq_[k], b0, false);       // to the front
      for (int k = first; k < last; ++k)                                      // to the back
        if (!(len == 2)) add(seq_[k], bl, true);
      for (int k = first + 2; k < last; ++k) add(b0, seq_[k], true);         // first into interior
      for (int k = first + 1; k < last - 1; ++k) add(bl, seq_[k], false);    // last into interior
    }
  }

  // One tabu step; false when there is no move at all.
  bool step() {
    critical_blocks();
    neighbourhood();
    if (moves_.empty()) return false;
    int best = -1, ties = 0;
    Time best_value = 0;
    for (std::size_t k = 0; k < moves_.size(); ++k) {
      Move& mv = moves_[k];
      mv.value = estimate(mv.u, mv.v, mv.forward);
      if (is_tabu(mv.u, mv.v, mv.forward) && mv.value >= best_value_) continue;
      if (best < 0 || mv.value < best_value) best = static_cast<int>(k), best_value = mv.value, ties = 1;
      else if (mv.value == best_value && std::uniform_int_distribution<int>(0, ties++)(rng_) == 0) best = static_cast<int>(k);
    }
    if (best < 0) best = std::uniform_int_distribution<int>(0, static_cast<int>(moves_.size()) - 1)(rng_);
    const Move mv = moves_[best];
    const int a = mv.forward ? pos_[mv.u] : pos_[mv.v], b = mv.forward ? pos_[mv.v] : pos_[mv.u];
    apply(mv, true);
    if (!compute()) {  // cannot happen with the feasibility test; undo to stay safe
      if (mv.forward) std::rotate(seq_.begin() + a, seq_.begin() + b, seq_.begin() + b + 1);
      else std::rotate(seq_.begin() + a, seq_.begin() + a + 1, seq_.begin() + b + 1);
      relink(a, b);
      compute();
    }
    return true;
  }

  bool finished() {
    if ((iter_ & 63) == 0 && shared_.stop()) stopped_ = true;
    return stopped_ || (max_iter_ > 0 && iter_ >= max_iter_);
  }

  void tabu_until_stagnation() {
    local_best_ = cmax_;
    save(local_best_seq_);
    std::int64_t since = 0;
    while (!finished() && since <= stagnation_limit_) {
      ++iter_;
      ++clock_;
      ++since;
      if (!step()) break;
      if (cmax_ < local_best_) {
        local_best_ = cmax_;
        save(local_best_seq_);
        since = 0;
        if (cmax_ < best_value_) {
          best_value_ = cmax_;
          save(best_seq_);
          if (cmax_ < shared_.value()) shared_.offer(static_cast<double>(cmax_), solution(), thread_);
        }
      }
    }
  }

  int distance(const std::vector<int>& a, const std::vector<int>& b) const {
    int d = 0;
    for (int k = 0; k < n_; ++k) d += a[k] != b[k];
    return d;
  }

  // Keeps the pool good and diverse: a solution close to a member replaces it only when
  // better; otherwise it replaces the worst member when at least as good.
  void add_to_pool(const std::vector<int>& seq, Time value) {
    const int close = std::max(2, n_ / 20);
    std::size_t worst = 0;
    for (std::size_t k = 0; k < pool_.size(); ++k) {
      if (distance(pool_[k].seq, seq) < close) {
        if (value < pool_[k].value) pool_[k] = {seq, value};
        return;
      }
      if (pool_[k].value > pool_[worst].value) worst = k;
    }
    if (pool_.size() < pool_size_) pool_.push_back({seq, value});
    else if (value <= pool_[worst].value) pool_[worst] = {seq, value};
  }

  // A random feasible solution: operations appended to their machines in a random order
  // that respects the jobs (so the machine orders cannot form a cycle).
  void random_start() {
    std::vector<int> next(shop_.jobs), fill(shop_.machines), open;
    for (int j = 0; j < shop_.jobs; ++j)
      if ((next[j] = shop_.first_op[j]) < shop_.first_op[j + 1]) open.push_back(j);
    for (int m = 0; m < shop_.machines; ++m) fill[m] = mstart_[m];
    while (!open.empty()) {
      const std::size_t k = rng_() % open.size();
      const int j = open[k], i = next[j]++;
      seq_[fill[mach_[i]]++] = i;
      if (next[j] == shop_.first_op[j + 1]) open[k] = open.back(), open.pop_back();
    }
    relink(0, n_ - 1);
    compute();
  }

  // Moves operations into the guide's positions, machine by machine at random, until about
  // a third to a half of the distance is covered; steps that would close a cycle are undone.
  void relink_towards(const std::vector<int>& guide) {
    const int d = distance(seq_, guide);
    const int steps = d * (30 + static_cast<int>(rng_() % 21)) / 100;
    for (int done = 0, tries = 0; done < steps && tries < 4 * steps + 10; ++tries) {
      const int m = static_cast<int>(rng_() % shop_.machines);
      int k = mstart_[m];
      while (k < mstart_[m + 1] && seq_[k] == guide[k]) ++k;
      if (k == mstart_[m + 1]) continue;
      const int j = pos_[guide[k]];
      std::rotate(seq_.begin() + k, seq_.begin() + j, seq_.begin() + j + 1);
      relink(k, j);
      if (!compute()) {
        std::rotate(seq_.begin() + k, seq_.begin() + k + 1, seq_.begin() + j + 1);
        relink(k, j);
        continue;
      }
      ++done;
    }
    compute();
  }

  // A few random swaps on critical blocks (always acyclic).
  void kick() {
    const int kicks = kick_base_ + static_cast<int>(rng_() % (kick_base_ * 3));
    for (int k = 0; k < kicks; ++k) {
      critical_blocks();
      if (blocks_.empty()) break;
      const auto& [first, last] = blocks_[rng_() % blocks_.size()];
      const int at = first + static_cast<int>(rng_() % (last - first));
      apply({seq_[at], seq_[at + 1], true, 0}, false);
      compute();
    }
  }

  struct Elite {
    std::vector<int> seq;
    Time value;
  };

  const FlatShop& shop_;
  SharedBest& shared_;
  std::mt19937_64 rng_;
  int thread_;
  int n_ = 0;
  std::vector<int> assign_;
  std::vector<Time> p_, rel_, r_, q_;
  std::vector<int> jp_, js_, mach_, mstart_, seq_, pos_, mp_, ms_, topo_, indeg_, path_;
  std::vector<std::pair<int, int>> blocks_;
  std::vector<Move> moves_;
  std::vector<std::uint32_t> tabu_;
  std::uint32_t clock_ = 1;
  int tenure_min_ = 10, tenure_max_ = 14;
  std::int64_t stagnation_limit_ = 5000;
  Time cmax_ = 0, best_value_ = 0;
  std::vector<int> best_seq_;
  std::vector<Elite> pool_;
  std::size_t pool_size_ = 10;
  std::vector<int> local_best_seq_;
  Time local_best_ = 0;
  std::int64_t iter_ = 0, max_iter_ = 0;
  bool stopped_ = false;
  int kick_base_ = 2;
  std::vector<int> order_buf_;
  std::vector<Time> nr_;
};

}  // namespace

std::int64_t jssp_tabu(const FlatShop& shop, const Solution& start, std::uint64_t seed, int thread, SharedBest& shared) {
  auto search = std::make_unique<JsspTabu>(shop, start, seed, thread, shared);
  return search->run();
}

}  // namespace xinzhi::optimize::detail
