// The machine's float matmul peak: GFLOP/s of a large square sgemm (2·n³ FLOPs each) at a given
// thread count, through torch::mm (libtorch's BLAS) and through oneDNN's sgemm (which xinzhi's
// dense layers use when the process has it). The higher of the two is the denominator of the
// model FLOPs utilisation that bench/text/run prints for the training benchmarks.
// usage: bench_matmul_peak [--threads T] [--n N] [--seconds S]
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <dlfcn.h>

#include <chrono>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <cstring>

int main(int argc, char** argv) {
  int threads = 1, n = 2048;
  double seconds = 1.5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--n")) n = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
  }
  at::set_num_threads(threads);
  // OpenBLAS sizes its own thread pool to the machine; hold it to the same count.
  using SetThreads = void (*)(int);
  if (auto f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) f(threads);
  at::manual_seed(1);
  auto a = at::randn({n, n}), b = at::randn({n, n}), c = at::empty({n, n});
  // Best of short rounds: on a shared machine the fastest round is the one least disturbed.
  auto best_of = [&](const std::function<void()>& mm) {
    mm();  // warm-up: thread start, page faults
    double best = 0;
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < seconds) {
      const auto t0 = std::chrono::steady_clock::now();
      mm();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::max(best, 2.0 * n * static_cast<double>(n) * n / s / 1e9);
    }
    return best;
  };
  const double torch_mm = best_of([&] { at::mm_out(c, a, b); });
  using Sgemm = int (*)(char, char, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t,
                        float, float*, int64_t);
  const auto sgemm = reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "dnnl_sgemm"));
  const double onednn = sgemm ? best_of([&] {
    sgemm('N', 'N', n, n, n, 1.0f, a.data_ptr<float>(), n, b.data_ptr<float>(), n, 0.0f, c.data_ptr<float>(), n);
  })
                              : 0.0;
  std::printf("matmul_gflops=%.1f (sgemm %dx%d, threads %d: torch::mm %.1f, oneDNN %.1f GFLOP/s)\n",
              std::max(torch_mm, onednn), n, n, threads, torch_mm, onednn);
  return 0;
}
