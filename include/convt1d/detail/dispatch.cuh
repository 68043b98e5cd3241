// Dispatch: the one place where run-time problem sizes become template arguments.
#pragma once

#include <atomic>
#include <cstdint>

#include <cuda.h>
#include <cudaTypedefs.h>  // PFN_cuTensorMapEncodeTiled
#include <cuda_runtime.h>

#include "../block/gemm_math.cuh"
#include "../block/transpose.cuh"
#include "../kernel/direct_kernel.cuh"
#include "../kernel/gemm_kernel.cuh"
#include "../kernel/gemm_rows_kernel.cuh"
#include "../kernel/pack_kernel.cuh"
#include "../kernel/row_operands_kernel.cuh"
#include "../kernel/window_kernel.cuh"
#include "../problem.hpp"
#include "../tile_config.hpp"
#include "element.cuh"
#include "weight_layout.hpp"

namespace convt1d::detail {

// The instantiated tile shapes: 8 x 8 accumulators per thread in the largest FMA tile, 8 x 4
// and 4 x 8 and 4 x 4 in the others, residency chosen so that float tiles fit their registers
// without spilling (docs/tuning.md, T10 and T12). The FMA tiles reduce 16 input channels a
// stage, the narrow one 8: 16 halves the copies' address arithmetic, barriers and waits per
// multiply-add, 1.0-1.3x on the public shapes (H200, docs/tuning.md, T12), but the narrow tile,
// picked for layers of few channels and long outputs, was 3-5% slower with it there.
using GemmMedium = GemmTile<64, 128, 16, 8, 8, 3>;  // 128 threads, <= 168 registers
using GemmSquare = GemmTile<64, 64, 16, 8, 4, 4>;   // 128 threads, <= 128 registers
using GemmNarrow = GemmTile<32, 128, 8, 4, 8, 4>;   // 128 threads, <= 128 registers
using GemmShort = GemmTile<64, 32, 16, 4, 4, 4>;    // 128 threads, <= 128 registers
using Direct = DirectTile<256, 4>;  // 256 threads, 1024 positions m per tile
using Window = WindowTile<256>;
// Tensor-core tiles: 16 words of reduction per stage (16 input channels in TF32, 32 in 16-bit).
using MmaLarge = MmaTile<128, 128, 16, 2, 4, 2>;  // 8 warps of 64 x 32
using MmaMedium = MmaTile<64, 128, 16, 2, 2, 3>;  // 4 warps of 32 x 64
using MmaShort = MmaTile<64, 64, 16, 2, 2, 4>;    // 4 warps of 32 x 32
// For groups of 32 output channels (or 96, 160, ...), which a 64-channel tile pads by up to half:
// 1.2-1.7x on such layers of the suite (H200, docs/tuning.md, T12).
using MmaNarrow = MmaTile<32, 128, 16, 1, 4, 4>;  // 4 warps of 32 x 32
using MmaWide = MmaTile<64, 256, 16, 2, 4, 2>;    // 8 warps of 32 x 64
// The rows kernel's warpgroup tiles (block::WgmmaRowMath): warps of 16 channels x all positions.
using WgmmaShort = MmaTile<64, 64, 16, 4, 1, 3>;    // 1 warpgroup, 4 stages of 16 KiB
using WgmmaMedium = MmaTile<64, 128, 16, 4, 1, 3>;  // 1 warpgroup, 3 stages of 24 KiB
using WgmmaLarge = MmaTile<128, 128, 16, 8, 1, 2>;  // 2 warpgroups, 3 stages of 32 KiB
template <class T, class Tile, class Instruction>
using WgmmaMath = block::WgmmaRowMath<T, Tile, Instruction, Tile::kBlockPositions == 64 ? 4 : 3>;

enum class KernelChoice {
  kWindow,
  kDirect,
  kGemmMedium,
  kGemmSquare,
  kGemmNarrow,
  kGemmShort,
  kMmaLarge,
  kMmaMedium,
  kMmaShort,
  kMmaNarrow,
  kMmaWide,
  kWgmmaShort,
  kWgmmaMedium,
  kWgmmaLarge,
};

// Whether T under `math` multiplies on tensor cores (see MathMode).
template <class T>
constexpr bool uses_tensor_cores(MathMode math) {
  if constexpr (cuda::std::is_same_v<T, float>) {
    return math != MathMode::kExact;
  } else {
    return !cuda::std::is_same_v<T, double>;
  }
}

// Largest weight slice (in_per_group x kernel_size) the direct kernel caches in shared memory.
inline constexpr int64_t kDirectMaxWeights = 4096;  // 16 KiB of float, 32 KiB of double

// How the phase-GEMM kernel covers a problem with Tile's blocks (kernel::GemmParams): tiles
// over one group's output channels; the columns of one batch entry and the tiles over all
// entries' columns; the tiles in all.
struct GemmTiling {
  int64_t channel_tiles, entry_columns, column_tiles, total_tiles;
  bool straddles;  // whether the tiles straddle batch entries (entries shorter than a tile)
};

// Tiles straddle batch entries where an entry (the longest phase's positions) is shorter than a
// tile, in a batch of several: a batch of short inputs (32 positions a phase at 128 a tile: 4x
// fewer tiles). Longer entries keep a whole number of tiles each: folding them would save at
// most a tile per entry, and its straddling tiles would need a second launch after the first
// (H200: 20-35% slower on 4 entries of 8192 inputs at stride 2, docs/tuning.md, T13).
template <class Tile>
constexpr GemmTiling gemm_tiling(int64_t batch, int64_t groups, int64_t out_per_group,
                                 const PhaseGeometry& geometry) {
  constexpr int64_t kPositions = Tile::kBlockPositions;
  GemmTiling tiling{};
  tiling.channel_tiles = (out_per_group + Tile::kBlockChannels - 1) / Tile::kBlockChannels;
  const int64_t positions = geometry.max_m_count();
  const int64_t entry_tiles = (positions + kPositions - 1) / kPositions;
  const int64_t straddling_tiles = (batch * positions + kPositions - 1) / kPositions;
  tiling.straddles = positions < kPositions && straddling_tiles < batch * entry_tiles;
  tiling.entry_columns = tiling.straddles ? positions : entry_tiles * kPositions;
  tiling.column_tiles = tiling.straddles ? straddling_tiles : batch * entry_tiles;
  tiling.total_tiles = groups * geometry.stride * tiling.column_tiles * tiling.channel_tiles;
  return tiling;
}

template <class Tile>
constexpr int64_t gemm_tile_count(const Problem& p) {
  return gemm_tiling<Tile>(p.batch, p.groups, p.out_channels / p.groups, PhaseGeometry::from(p))
      .total_tiles;
}

// What the tile estimate needs to know of the element type and math mode.
struct MathCost {
  // How heavily a tile's loads weigh against its multiply-adds: the faster the math, the sooner
  // the loads bind. Fitted to H100 timings of every tile on the public suite (docs/tuning.md),
  // it follows the math's speed: exact float 0.5, 3xTF32 2, TF32 12, FP16/BF16 24 (double,
  // not measured: half of float's).
  double traffic_weight;
  int element_bytes;  // bytes of one weight or input element
  int fewer_blocks;   // blocks per multiprocessor the kernel runs below its tile's figure
  // Whether a multiprocessor's time follows its own share of the tiles (the busiest one's),
  // round by round of `blocks` tiles, rather than the waves of the whole grid: so for the SIMT
  // tiles (exact float, double), not for the tensor-core ones, in H200 timings of both
  // (docs/tuning.md, T11 and T12).
  bool multiprocessor_share = false;
};

// With MathCost::multiprocessor_share, a multiprocessor's last round, where it runs fewer
// tiles than its blocks, takes at least this share of a full round: fewer resident blocks each
// run faster, but not in proportion (fitted to H200 timings of the FMA tiles, T12).
inline constexpr double kLastRoundShare = 0.8;

template <class T>
constexpr MathCost math_cost(MathMode math, bool rows) {
  if (rows) {
    // The rows kernel's loads are 16-byte asynchronous copies: far cheaper than the
    // register-staged ones below.
    if constexpr (cuda::std::is_same_v<T, float>) {
      return math == MathMode::kTF32 ? MathCost{3.0, 4, 0} : MathCost{1.0, 4, 1};
    } else {
      return {6.0, 2, 0};
    }
  }
  if constexpr (cuda::std::is_same_v<T, float>) {
    if (math == MathMode::kTF32) return {12.0, 4, 0};
    if (math == MathMode::k3xTF32) return {2.0, 4, 1};  // split operands: one block fewer
    return {0.5, 4, 0, true};
  } else if constexpr (cuda::std::is_same_v<T, double>) {
    return {0.25, 8, 0, true};
  } else {
    return {24.0, 2, 0};
  }
}

// Shared memory the window kernel may use: a tile's input windows and the weights of an output
// channel.
inline constexpr int64_t kWindowMaxBytes = 48 * 1024;

// The inputs a window-kernel tile of `tile_outputs` outputs stages per channel
// (kernel::WindowParams::window), or -1 where the taps span 2^31 inputs or more.
constexpr int64_t window_inputs(const PhaseGeometry& geometry, int64_t tile_outputs) {
  int64_t reach = 0;  // (K - 1) * dilation: the inputs one output's taps span
  if (!checked_mul(geometry.kernel_size - 1, geometry.dilation, reach) || reach > INT32_MAX) {
    return -1;
  }
  return (tile_outputs - 1 + reach) / geometry.stride + 2;
}

// Shared-memory bytes of a window-kernel tile of `tile_outputs` outputs, for `channels` input
// channels a group, in accumulator type Acc; -1 where window_inputs() is.
template <class Acc>
constexpr int64_t window_shared_bytes(const PhaseGeometry& geometry, int64_t channels,
                                      int64_t tile_outputs) {
  const int64_t window = window_inputs(geometry, tile_outputs);
  if (window < 0) return -1;
  return static_cast<int64_t>(
      kernel::WindowSharedLayout<Acc>::bytes(window, channels, geometry.kernel_size));
}

// The window kernel's problems: 1 to kernel::kMaxWindowChannels input channels a group
// (depthwise layers, channel multipliers, grouped layers of few channels), strides up to
// kernel::kMaxWindowStride, and taps that span few enough inputs for the windows of a tile of
// one output a thread (at most Window::kThreads outputs) to fit kWindowMaxBytes in double (the
// larger accumulator).
constexpr bool uses_window_kernel(const Problem& p) {
  const int64_t in_per_group = p.in_channels / p.groups;
  // (A guard against overflow in the byte count below, which sets the real bound on K.)
  if (in_per_group > kernel::kMaxWindowChannels || p.stride > kernel::kMaxWindowStride ||
      p.kernel_size > kWindowMaxBytes) {
    return false;
  }
  const int64_t bytes =
      window_shared_bytes<double>(PhaseGeometry::from(p), in_per_group, Window::kThreads);
  return bytes >= 0 && bytes <= kWindowMaxBytes;
}

// The problems of the two direct kernels, which read x and w as they are (no GEMM, no
// workspace): the window kernel's, and the direct kernel's: few channels per group (fewer than
// 16 outputs or 4 inputs per group: many-to-few channel layers, tiny layers) as long as the
// group's weights fit its shared-memory cache.
constexpr bool uses_direct_kernel(const Problem& p) {
  const int64_t in_per_group = p.in_channels / p.groups;
  const int64_t out_per_group = p.out_channels / p.groups;
  return uses_window_kernel(p) || ((out_per_group < 16 || in_per_group < 4) &&
                                      in_per_group * p.kernel_size <= kDirectMaxWeights);
}

// Elements' worth of L2 traffic per weight a phase-GEMM tile uses, reading PyTorch's layout.
// A stage loads one tap of w[ci, co, :] per (ci, co): where a row spans whole 32-byte sectors,
// each load brings a sector of which the phase uses only its taps there (one in `stride` taps
// for dilation 1: 8x the bytes at stride 8); shorter rows share sectors across channels, and the
// phase's other taps find them in L1. The packed layout (weight_layout.hpp) has no such waste.
constexpr double weight_traffic_factor(const Problem& p, int element_bytes) {
  const PhaseGeometry geometry = PhaseGeometry::from(p);
  const int64_t sector = 32 / element_bytes;  // elements per sector
  const int64_t taps = (p.kernel_size + geometry.tap_step - 1) / geometry.tap_step;
  const int64_t taps_per_sector = sector / geometry.tap_step > 1 ? sector / geometry.tap_step : 1;
  const int64_t fetched = p.kernel_size < sector ? p.kernel_size : sector;
  const int64_t used = taps < taps_per_sector ? taps : taps_per_sector;
  return static_cast<double>(fetched) / static_cast<double>(used);
}

// The packed weights start at the first multiple of this many bytes in the workspace.
inline constexpr int64_t kWorkspaceAlignment = 256;

// Workspace bytes for the packed weights of a valid problem (alignment slack included), or 0
// where packing would not pay: the direct kernel's problems, and those whose weight loads waste
// at most half of what they fetch (weight_traffic_factor() up to 2: stride 1 and 2, kernels of
// one or two taps, dilations that keep each phase's taps together), where the GEMM gains less
// than the packing costs (measured on the H100, docs/tuning.md). 0 too where the size does not
// fit in int64_t.
constexpr int64_t packed_weights_bytes(const Problem& p, int element_bytes) {
  if (uses_direct_kernel(p) || weight_traffic_factor(p, element_bytes) <= 2.0) return 0;
  const int64_t elements = PackedShape::from(p).elements();
  int64_t bytes = 0;
  if (elements < 0 || !checked_mul(elements, element_bytes, bytes) ||
      !checked_add(bytes, kWorkspaceAlignment, bytes)) {
    return 0;
  }
  return bytes;
}

// Whether the tensor-core rows kernel pays for preparing its operands under `math`: its main
// loop is faster on long reductions, but copying x costs a pass over it, which the layers that
// use each input for few outputs cannot win back. Measured on an H200 (docs/tuning.md, T8 and
// T18): from 1024 multiply-adds per input element it pays on every layer; from 384 outside
// 3xTF32 where x is large (2^24 elements and more: the copies' launches and short grids cost
// tens of microseconds whatever the size) or a group has 128 input channels and more (since the
// stages are copied by tensor copies, T17: EnCodec's 128 -> 64 channel layer 1.14x in TF32 and
// 1.25x in half, BigVGAN's 384 -> 192 one 1.6-1.8x; below 384 the results were mixed: HiFi-GAN's
// 128 -> 64 channel layer, 256 multiply-adds, 1.11x in half, 0.94x in TF32). 3xTF32's rows
// tiles are the 4-warp mma.sync ones: kb64 (384, 537 M inputs) ran 11.5 ms there against 10.1
// without.
template <class T>
constexpr bool rows_pay(const Problem& p, MathMode math) {
  const int64_t uses = (p.out_channels / p.groups) * p.kernel_size;  // per input element
  const int64_t inputs = checked_product({p.batch, p.in_channels, p.in_length});
  constexpr int64_t kLargeInput = int64_t{1} << 24;  // elements of x
  constexpr int64_t kDeepGroup = 128;                // input channels of a group
  const bool split = cuda::std::is_same_v<T, float> && math == MathMode::k3xTF32;
  const bool large = inputs < 0 || inputs >= kLargeInput;
  return uses >= 1024 ||
         (!split && uses >= 384 && (large || p.in_channels / p.groups >= kDeepGroup));
}

// Workspace bytes for the tensor-core rows kernel's operands (RowShape: weight rows, then input
// rows, each starting on kWorkspaceAlignment), or 0 for the direct kernel's problems, where the
// size does not fit in int64_t, and where a group's weights have 2^31 or more elements per input
// channel (the weight-rows kernel divides 32-bit column numbers).
constexpr int64_t row_operands_bytes(const Problem& p, int element_bytes) {
  if (uses_direct_kernel(p) || p.out_channels / p.groups > INT32_MAX / p.kernel_size) return 0;
  const RowShape shape = RowShape::from(p);
  int64_t weights = 0, inputs = 0, bytes = 0;
  const int64_t weight_elements = shape.weight_elements();
  const int64_t input_elements = shape.input_elements();
  if (weight_elements < 0 || input_elements < 0 ||
      !checked_mul(weight_elements, element_bytes, weights) ||
      !checked_mul(input_elements, element_bytes, inputs) ||
      !checked_add(weights, 2 * kWorkspaceAlignment, bytes) || !checked_add(bytes, inputs, bytes)) {
    return 0;
  }
  return bytes;
}

// Whether conv_transpose1d<T> under `math` runs the tensor-core rows kernel, given a workspace.
template <class T>
constexpr bool uses_rows_kernel(const Problem& p, MathMode math) {
  return uses_tensor_cores<T>(math) && rows_pay<T>(p, math);
}

// Workspace bytes conv_transpose1d<T> uses under `math` (see workspace_size()).
template <class T>
constexpr int64_t workspace_bytes(const Problem& p, MathMode math) {
  return uses_rows_kernel<T>(p, math) ? row_operands_bytes(p, sizeof(T))
                                      : packed_weights_bytes(p, sizeof(T));
}

// Estimated time of a phase-GEMM tile shape, in arbitrary units: the tiles that share a
// multiprocessor, times the time of one. Those are all `blocks` of each wave of the grid, or,
// where MathCost::multiprocessor_share says so, the busiest multiprocessor's share of the
// tiles, in rounds of `blocks` (a last, partial round counted as at least kLastRoundShare of a
// full one). A tile's time per reduction step is the larger of
//  - its multiply-adds (padding included) over the tile's FMA efficiency (fewer accumulators
//    per thread: more shared-memory reads per multiply-add), and
//  - its L2 traffic (a weight per channel, scaled by weight_traffic_factor() unless the weights
//    are packed, and an input per position) times MathCost::traffic_weight.
// The blocks per multiprocessor are the tile's figure less MathCost::fewer_blocks: for double
// tiles, whose kernels run one or two (SimtMath), the figure is float's, an inaccuracy of the
// estimate that no timing has measured (docs/tuning.md, open leads).
template <class Tile>
constexpr double gemm_tile_estimate(const Problem& p, int multiprocessors, double efficiency,
                                    const MathCost& cost, bool packed) {
  const int blocks = Tile::kMinBlocksPerMultiprocessor > cost.fewer_blocks
                         ? Tile::kMinBlocksPerMultiprocessor - cost.fewer_blocks
                         : 1;
  const int64_t tiles = gemm_tile_count<Tile>(p);
  double sharing = 0;
  if (cost.multiprocessor_share) {
    const int64_t share = (tiles + multiprocessors - 1) / multiprocessors;
    const int64_t rounds = share / blocks, rest = share % blocks;
    const double last_round = static_cast<double>(rest) > kLastRoundShare * blocks
                                  ? static_cast<double>(rest)
                                  : kLastRoundShare * blocks;
    sharing = static_cast<double>(rounds * blocks) + (rest > 0 ? last_round : 0.0);
  } else {
    const int64_t slots = static_cast<int64_t>(multiprocessors) * blocks;
    sharing = static_cast<double>((tiles + slots - 1) / slots * blocks);
  }
  const double compute =
      static_cast<double>(Tile::kBlockChannels) * Tile::kBlockPositions / efficiency;
  const double traffic = cost.traffic_weight * cost.element_bytes *
                         (Tile::kBlockChannels *
                              (packed ? 1.0 : weight_traffic_factor(p, cost.element_bytes)) +
                          Tile::kBlockPositions);
  return sharing * (compute > traffic ? compute : traffic);
}

// gemm_tile_estimate() of one problem, math and launch for the tile shapes the rule weighs.
struct TileEstimate {
  Problem problem;
  int multiprocessors;
  MathCost cost;
  bool packed;
  template <class Tile>
  constexpr double of(double efficiency) const {
    return gemm_tile_estimate<Tile>(problem, multiprocessors, efficiency, cost, packed);
  }
};

// The estimate of a candidate that does not apply.
inline constexpr double kNever = 1e300;

// A tile shape the rule weighs, with its gemm_tile_estimate().
struct Candidate {
  KernelChoice choice;
  double estimate;
};

// The first of the candidates with the smallest estimate.
template <size_t N>
constexpr KernelChoice cheapest(const Candidate (&candidates)[N]) {
  size_t best = 0;
  for (size_t i = 1; i < N; ++i) {
    if (candidates[i].estimate < candidates[best].estimate) best = i;
  }
  return candidates[best].choice;
}

// The rule:
//  - one to three input channels per group go to the window kernel where it takes them
//    (uses_window_kernel()), other few-channel groups to the direct kernel
//    (uses_direct_kernel()): their cost per output is the group's true reduction length;
//  - everything else is a phase GEMM, with the tile shape of the smallest gemm_tile_estimate():
//    the 8 x 8-per-thread tiles do the most FMAs per shared-memory read, smaller tiles waste
//    less on padding and fill the GPU's last wave better on short problems, and the wide tiles
//    (fewer channels, more positions) load fewer weights per multiply-add where the weight loads
//    waste most of their sectors (large strides) and the math is fast enough for that to bind.
//    On tensor cores the same rule picks among the MMA tiles.
//  `packed`: the GEMM reads packed weights (see packed_weights_bytes()), or, on tensor cores,
//  the rows kernel's operands (see row_operands_bytes()).
template <class T>
constexpr KernelChoice select_config(const Problem& p, int multiprocessors, MathMode math,
                                     bool packed) {
  if (uses_window_kernel(p)) return KernelChoice::kWindow;
  if (uses_direct_kernel(p)) return KernelChoice::kDirect;
  const bool rows = packed && uses_rows_kernel<T>(p, math);
  const MathCost cost = math_cost<T>(math, rows);
  const TileEstimate estimate{p, multiprocessors, cost, packed};
  // Candidates run from small tiles to large: on equal estimates the smaller tile wins (more
  // blocks, less padding); the 3xTF32 list keeps its 32 x 128 tile last, as it was fitted.
  if (uses_tensor_cores<T>(math) && cost.fewer_blocks > 0) {
    // 3xTF32: the 8-warp tiles drop to one block per multiprocessor, too few warps to hide the
    // loads (measured 1.1-1.5x slower than the 4-warp tiles on the public suite).
    const Candidate candidates[] = {
        {KernelChoice::kMmaShort, estimate.of<MmaShort>(0.7)},
        {KernelChoice::kMmaMedium, estimate.of<MmaMedium>(0.85)},
        // The rows kernel has no 32-channel tile. Its efficiency (and the TF32 and 16-bit one
        // below) fitted to H200 timings of the tiles on the register-staged layers of the suite
        // and two more (docs/tuning.md, T12).
        {KernelChoice::kMmaNarrow, rows ? kNever : estimate.of<MmaNarrow>(0.7)},
    };
    return cheapest(candidates);
  }
  if (rows) {
    // The warpgroup tiles (wgmma on sm_90a builds, mma.sync elsewhere). Efficiencies fitted to
    // H200 timings of each tile on the rows layers of the public suite and 13 variants of them
    // with other batch and channel counts, half and TF32 (docs/tuning.md, T11).
    const Candidate candidates[] = {
        {KernelChoice::kWgmmaShort, estimate.of<WgmmaShort>(0.6)},
        {KernelChoice::kWgmmaMedium, estimate.of<WgmmaMedium>(0.7)},
        {KernelChoice::kWgmmaLarge, estimate.of<WgmmaLarge>(1.0)},
    };
    return cheapest(candidates);
  }
  if (uses_tensor_cores<T>(math)) {
    const Candidate candidates[] = {
        {KernelChoice::kMmaShort, estimate.of<MmaShort>(0.5)},
        {KernelChoice::kMmaNarrow, estimate.of<MmaNarrow>(0.5)},
        {KernelChoice::kMmaMedium, estimate.of<MmaMedium>(0.8)},
        {KernelChoice::kMmaWide, estimate.of<MmaWide>(0.9)},
        {KernelChoice::kMmaLarge, estimate.of<MmaLarge>(1.0)},
    };
    return cheapest(candidates);
  }
  // Efficiencies fitted to H200 timings of each tile (exact float) on the 18 GEMM layers of the
  // public suite and two vocoder layers of other sizes (docs/tuning.md, T12): picks within 0.1%
  // of the best tile in geometric mean, worst 1.01x.
  const Candidate candidates[] = {
      {KernelChoice::kGemmShort, estimate.of<GemmShort>(0.5)},
      {KernelChoice::kGemmNarrow, estimate.of<GemmNarrow>(0.75)},
      {KernelChoice::kGemmSquare, estimate.of<GemmSquare>(0.95)},
      {KernelChoice::kGemmMedium, estimate.of<GemmMedium>(1.0)},
  };
  return cheapest(candidates);
}

// The most parts a split reduction takes (blocks of a cluster): the portable cluster size.
inline constexpr int kMaxSplits = 8;

// Chunks of `chunk` input channels (a stage's) in each of at most `splits` parts of a reduction
// over `channels`, and the parts that makes (none empty).
struct SplitParts {
  int64_t chunks = 0;
  int parts = 1;
  static constexpr SplitParts of(int64_t channels, int64_t chunk, int splits) {
    const int64_t total = (channels + chunk - 1) / chunk;
    SplitParts split;
    split.chunks = (total + splits - 1) / splits;
    split.parts = static_cast<int>((total + split.chunks - 1) / split.chunks);
    return split;
  }
};

// The least multiply-adds an output sums (input channels of a group x taps of a phase) from
// which exact float layers on 64 x 64 tiles split each tile's reduction in two, over clusters
// of two blocks (launch_split_gemm()). Measured on an H200 (docs/tuning.md, T22), public calls:
// from 1024, 3-6% faster on five of seven layers (HiFi-GAN's first 0.139 -> 0.130 ms, DAC's
// 0.992 -> 0.946), 3% slower on two (EnCodec's first, HiFi-GAN's on a batch of 4 chunks); the
// tile alone at 512 and 256 lost 6-23%; three parts and more were slower than two on every
// layer timed.
inline constexpr int64_t kSplitReduction = 1024;

// The parts that select_config()'s `choice` splits each tile's reduction into (1: not split).
template <class T>
constexpr int gemm_splits(const Problem& p, MathMode math, KernelChoice choice) {
  if (!cuda::std::is_same_v<T, float> || math != MathMode::kExact ||
      choice != KernelChoice::kGemmSquare) {
    return 1;
  }
  const PhaseGeometry geometry = PhaseGeometry::from(p);
  const int64_t taps = (geometry.kernel_size - 1) / geometry.tap_step + 1;  // phase of tap 0
  const int64_t in_per_group = p.in_channels / p.groups;
  if (in_per_group * taps < kSplitReduction) return 1;
  return SplitParts::of(in_per_group, GemmSquare::kBlockReduction, 2).parts;
}

// Blocks to launch for `tiles` tiles; each kernel loops over the tiles beyond the grid.
inline unsigned int grid_for(int64_t tiles) {
  constexpr int64_t kMaxGrid = 0x7fffffff;
  return static_cast<unsigned int>(tiles < kMaxGrid ? tiles : kMaxGrid);
}

inline Status last_launch_status() {
  const cudaError_t error = cudaGetLastError();
  return error == cudaSuccess ? Status::kSuccess : make_cuda_status(static_cast<int>(error));
}

// Lets `kernel` launch with `bytes` of dynamic shared memory: past the 48 KiB any launch may use,
// a kernel must opt in first.
template <class Kernel>
Status allow_shared_memory(Kernel* kernel, size_t bytes) {
  if (bytes <= 48 * 1024) return Status::kSuccess;
  const cudaError_t error = cudaFuncSetAttribute(
      kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
  return error == cudaSuccess ? Status::kSuccess : make_cuda_status(static_cast<int>(error));
}

// Whether `pointer` lies on a boundary of `bytes` (a power of two).
inline bool is_aligned(const void* pointer, uintptr_t bytes) {
  return reinterpret_cast<uintptr_t>(pointer) % bytes == 0;
}

// The first kWorkspaceAlignment boundary at or after `address`: where each operand region of the
// workspace starts.
constexpr uintptr_t workspace_start(uintptr_t address) {
  constexpr auto kAlignment = static_cast<uintptr_t>(kWorkspaceAlignment);
  return (address + kAlignment - 1) / kAlignment * kAlignment;
}

// Packs w (PyTorch's layout) into `workspace`, which holds packed_weights_bytes() bytes, on
// `stream`; `packed` receives the packed weights' start (the workspace rounded up to
// kWorkspaceAlignment).
template <class T>
Status pack_weights(const Problem& p, const T* w, void* workspace, cudaStream_t stream,
                    const T*& packed) {
  const uintptr_t start = workspace_start(reinterpret_cast<uintptr_t>(workspace));
  kernel::PackParams<T> params;
  params.w = w;
  params.packed = reinterpret_cast<T*>(start);
  params.in_channels = p.in_channels;
  params.in_per_group = p.in_channels / p.groups;
  params.out_per_group = p.out_channels / p.groups;
  params.kernel_size = p.kernel_size;
  params.geometry = PhaseGeometry::from(p);
  params.shape = PackedShape::from(p);
  params.layout = params.shape.layout();
  params.channel_blocks =
      (params.shape.padded_out + kernel::kPackThreads - 1) / kernel::kPackThreads;
  // Blocks loop over (input channel, channel block) pairs beyond the grid.
  constexpr int64_t kMaxBlocks = 8192;
  const int64_t blocks = p.in_channels * params.channel_blocks;
  // 16-byte loads where every output channel's K taps start on a 16-byte boundary.
  constexpr int kVector = kernel::kPackVector<T>;
  const bool vector = is_aligned(w, 16) && p.kernel_size % kVector == 0;
  auto* kernel =
      vector ? kernel::pack_weights_kernel<T, kVector> : kernel::pack_weights_kernel<T, 1>;
  kernel<<<grid_for(blocks < kMaxBlocks ? blocks : kMaxBlocks), kernel::kPackThreads, 0, stream>>>(
      params);
  packed = params.packed;
  return last_launch_status();
}

// Waves of blocks (at kernel::kRowOperandsBlocksPerMultiprocessor) below which the input copy
// takes one tile a block rather than kernel::kInputRowsTiles<T>: with fewer, a block's copies in
// flight count for less than the multiprocessors left idle (H200, docs/tuning.md, T11).
inline constexpr int64_t kInputRowsWaves = 2;

// Writes the rows kernel's operands (RowShape) for x and w into `workspace`, which holds
// row_operands_bytes() bytes, on `stream`, rounded to TF32 where `math` multiplies in TF32; sets
// `params`' operand pointers and layout. `multiprocessors` (the GPU's) sizes the input copy's
// blocks.
template <class T>
Status prepare_rows(const Problem& p, const T* x, const T* w, void* workspace, MathMode math,
                    int multiprocessors, cudaStream_t stream, kernel::RowGemmParams<T>& params) {
  const RowShape shape = RowShape::from(p);
  const uintptr_t weight_start = workspace_start(reinterpret_cast<uintptr_t>(workspace));
  const uintptr_t input_start = workspace_start(
      weight_start + static_cast<uintptr_t>(shape.weight_elements()) * sizeof(T));
  constexpr int64_t kMaxBlocks = 8192;  // blocks loop over the tiles beyond the grid

  kernel::WeightRowsParams<T> weights;
  weights.w = w;
  weights.rows = reinterpret_cast<T*>(weight_start);
  weights.in_per_group = p.in_channels / p.groups;
  weights.kernel_size = p.kernel_size;
  weights.tap_step = static_cast<int32_t>(PhaseGeometry::from(p).tap_step);
  weights.by_kernel_size = FastDivmod::make(static_cast<int32_t>(p.kernel_size));
  constexpr int64_t kTile = block::kTransposeTile;
  weights.channel_tiles = (shape.channels + kTile - 1) / kTile;
  weights.column_tiles = (shape.out_per_group * p.kernel_size + kTile - 1) / kTile;
  weights.shape = shape;
  weights.chunked_rows = is_aligned(w, 16) && shape.out_per_group * p.kernel_size *
                                                      static_cast<int64_t>(sizeof(T)) % 16 == 0;
  const int64_t weight_blocks = shape.groups * weights.channel_tiles * weights.column_tiles;

  kernel::InputRowsParams<T> inputs;
  inputs.x = x;
  inputs.rows = reinterpret_cast<T*>(input_start);
  inputs.in_channels = p.in_channels;
  inputs.in_per_group = weights.in_per_group;
  inputs.channel_tiles = weights.channel_tiles;
  inputs.shape = shape;
  inputs.chunked_rows =
      is_aligned(x, 16) && shape.in_length * static_cast<int64_t>(sizeof(T)) % 16 == 0;
  // Blocks of the input copy with `span` positions a tile (kernel/input_rows_copy.cuh).
  auto input_blocks = [&](int64_t span) {
    return shape.batch * shape.groups * inputs.channel_tiles *
           ((shape.in_length + span - 1) / span);
  };
  // Chunked rows go kInputRowsTiles<T> tiles a block where that still makes kInputRowsWaves
  // waves of blocks, one tile a block elsewhere (kInputRowsTiles<T> times the blocks).
  constexpr int64_t kWideSpan = kTile * kernel::kInputRowsTiles<T>;
  const bool wide_tiles =
      inputs.chunked_rows &&
      input_blocks(kWideSpan) >= kInputRowsWaves * kernel::kRowOperandsBlocksPerMultiprocessor *
                                      static_cast<int64_t>(multiprocessors);
  const int64_t input_span = wide_tiles ? kWideSpan : kTile;
  inputs.position_tiles = (shape.in_length + input_span - 1) / input_span;
  const int64_t input_tiles = input_blocks(input_span);

  kernel::RowOperandsParams<T> operands;
  operands.weights = weights;
  operands.inputs = inputs;
  operands.weight_blocks =
      static_cast<int>(weight_blocks < kMaxBlocks ? weight_blocks : kMaxBlocks);
  const int64_t input_grid = input_tiles < 16 * kMaxBlocks ? input_tiles : 16 * kMaxBlocks;
  auto run = [&](auto round_to_tf32) {
    constexpr bool kRound = decltype(round_to_tf32)::value;
    constexpr unsigned int kThreads = kernel::kRowsCopyThreads;
    if (!wide_tiles) {  // both copies in one launch
      kernel::row_operands_kernel<T, kRound, 1, true>
          <<<grid_for(operands.weight_blocks + input_grid), kThreads, 0, stream>>>(operands);
      return;
    }
    // w (with no input blocks), then x by the multi-tile copy.
    kernel::row_operands_kernel<T, kRound, 1, true>
        <<<grid_for(operands.weight_blocks), kThreads, 0, stream>>>(operands);
    operands.weight_blocks = 0;
    kernel::row_operands_kernel<T, kRound, kernel::kInputRowsTiles<T>, false>
        <<<grid_for(input_grid), kThreads, 0, stream>>>(operands);
  };
  if constexpr (cuda::std::is_same_v<T, float>) {
    if (math == MathMode::kTF32) {
      run(cuda::std::true_type{});
    } else {
      run(cuda::std::false_type{});
    }
  } else {
    run(cuda::std::false_type{});
  }
  params.w = weights.rows;
  params.weights = shape.weight_layout();
  params.input_rows = inputs.rows;
  params.row_channels = shape.channels;
  return last_launch_status();
}

// Device ordinals for which remembered() keeps a figure; on the others it asks on every call.
inline constexpr int kRememberedDevices = 64;

// The figure that `query(figure)` (a cudaError_t) gives for the current device, kept per device
// ordinal in `known` (as the figure plus one; 0: not yet asked), so that repeated launches of a
// kernel make no query.
template <class Query>
Status remembered(std::atomic<int> (&known)[kRememberedDevices], int& figure, Query&& query) {
  int device = 0;
  cudaError_t error = cudaGetDevice(&device);
  if (error != cudaSuccess) return make_cuda_status(static_cast<int>(error));
  const bool remember = device >= 0 && device < kRememberedDevices;
  const int stored = remember ? known[device].load(std::memory_order_relaxed) : 0;
  if (stored > 0) {
    figure = stored - 1;
    return Status::kSuccess;
  }
  error = query(figure);
  if (error != cudaSuccess) return make_cuda_status(static_cast<int>(error));
  if (remember) known[device].store(figure + 1, std::memory_order_relaxed);
  return Status::kSuccess;
}

// Blocks of `kernel`, launched with `threads` threads and `shared_bytes` of dynamic shared
// memory, that one multiprocessor of the current device runs at once (the runtime's occupancy
// calculator), remembered in `known`.
template <class Kernel>
Status resident_blocks(Kernel* kernel, int threads, size_t shared_bytes,
                       std::atomic<int> (&known)[kRememberedDevices], int& blocks) {
  return remembered(known, blocks, [&](int& figure) {
    return cudaOccupancyMaxActiveBlocksPerMultiprocessor(&figure, kernel, threads, shared_bytes);
  });
}

// The launch configuration of `blocks` blocks of `threads` threads and `shared_bytes` of
// dynamic shared memory on `stream`, in clusters of `cluster_size` blocks (`attribute` holds
// that and must outlive the configuration).
inline cudaLaunchConfig_t cluster_launch(unsigned int blocks, int threads, size_t shared_bytes,
                                         int cluster_size, cudaStream_t stream,
                                         cudaLaunchAttribute& attribute) {
  attribute.id = cudaLaunchAttributeClusterDimension;
  attribute.val.clusterDim.x = static_cast<unsigned int>(cluster_size);
  attribute.val.clusterDim.y = 1;
  attribute.val.clusterDim.z = 1;
  cudaLaunchConfig_t config = {};
  config.gridDim = dim3(blocks);
  config.blockDim = dim3(static_cast<unsigned int>(threads));
  config.dynamicSmemBytes = shared_bytes;
  config.stream = stream;
  config.attrs = &attribute;
  config.numAttrs = 1;
  return config;
}

// Clusters of `cluster_size` blocks of `kernel` (launched as resident_blocks() says) that the
// current device runs at once, or 0 where it cannot run them: a kernel built for an
// architecture before sm_90 (which has no clusters, and whose kernels leave the phases'
// exchange out), or clusters that do not fit. Remembered in `known`.
template <class Kernel>
Status resident_clusters(Kernel* kernel, int threads, size_t shared_bytes, int cluster_size,
                         std::atomic<int> (&known)[kRememberedDevices], int& clusters) {
  return remembered(known, clusters, [&](int& figure) {
    figure = 0;
    cudaFuncAttributes attributes = {};
    cudaError_t error = cudaFuncGetAttributes(&attributes, kernel);
    // Machine code for sm_90 or later, compiled from PTX for sm_90 or later (the kernel's
    // exchange is compiled only there; earlier PTX that the driver compiles for this GPU stores
    // plainly).
    if (error == cudaSuccess && attributes.binaryVersion >= 90 && attributes.ptxVersion >= 90) {
      cudaLaunchAttribute attribute = {};
      const cudaLaunchConfig_t config = cluster_launch(static_cast<unsigned int>(cluster_size),
                                                       threads, shared_bytes, cluster_size,
                                                       nullptr, attribute);
      error = cudaOccupancyMaxActiveClusters(&figure, kernel, &config);
    }
    return error;
  });
}

// Where launch_tiles() runs a launch in clusters of its phases (the kernels' interleaved
// instantiations, kernel/gemm_kernel.cuh's store_interleaved_tile()), given a device and kernel
// that can: where interleaves_phases() expects it to be faster (the dispatcher's warpgroup
// tiles), at every stride from 2 to kernel::kMaxInterleave (tests), or never.
enum class Interleave { kWhereFaster, kWherePossible, kNever };

// How launch_tiles() sizes its grid: one block per tile, or a resident grid on the GPU's
// `multiprocessors` (see launch_tiles()), and where it interleaves the phases.
struct TileGrid {
  bool resident = false;
  int multiprocessors = 0;
  Interleave interleave = Interleave::kNever;
  static constexpr TileGrid block_per_tile() { return {}; }
  static constexpr TileGrid resident_on(int multiprocessors) {
    return {true, multiprocessors, Interleave::kNever};
  }
  constexpr TileGrid interleaved(Interleave where) const {
    return {resident, multiprocessors, where};
  }
};

// With a resident grid, the rounds of tiles below which a launch runs on the blocks the GPU
// holds at once rather than one block per tile (H200, docs/tuning.md, T14).
inline constexpr int64_t kResidentRounds = 2;

// Interleave::kWhereFaster's bounds (H200, docs/tuning.md, T15): the least stride, and the most
// products a tile's outputs sum (input channels of a group x taps of a phase).
inline constexpr int64_t kInterleaveStride = 5;
inline constexpr int64_t kInterleaveReduction = 1024;

// Whether a launch of this geometry, with outputs of `element_bytes` bytes, straddling batch
// entries or not, may run in clusters of its phases where `where` says so, whatever the GPU: at
// strides from 2 to kernel::kMaxInterleave; for kWhereFaster, where the phases' stores lie
// stride >= kInterleaveStride apart (below, the exchange costs more than their partial sectors)
// and a column's stride outputs fill at least half a 32-byte sector (16-bit outputs at strides 5
// to 7 lost), the reduction is at most kInterleaveReduction (longer ones hide the stores behind
// the other blocks' products) and the tiles lie inside one entry each (straddling launches were
// slower). launch_tiles() asks the GPU about clusters only for these.
constexpr bool interleave_candidate(Interleave where, const PhaseGeometry& geometry,
                                    int64_t in_per_group, int64_t element_bytes,
                                    bool straddles) {
  const int64_t stride = geometry.stride;
  if (where == Interleave::kNever || stride < 2 || stride > kernel::kMaxInterleave) return false;
  if (where == Interleave::kWherePossible) return true;
  const int64_t taps = (geometry.kernel_size + geometry.tap_step - 1) / geometry.tap_step;
  return stride >= kInterleaveStride && stride * element_bytes >= 16 &&
         in_per_group * taps <= kInterleaveReduction && !straddles;
}

// Whether such a launch of `tiles` tiles runs in clusters of its phases (its kernel and device
// able to): a candidate whose clusters fit (`cluster_slots`, the blocks that the GPU holds at once
// in clusters, at least one cluster) and, for kWhereFaster, take no more rounds of tiles than
// its `slots` plain blocks.
constexpr bool interleaves_phases(Interleave where, const PhaseGeometry& geometry,
                                  int64_t in_per_group, int64_t element_bytes, bool straddles,
                                  int64_t tiles, int64_t slots, int64_t cluster_slots) {
  if (!interleave_candidate(where, geometry, in_per_group, element_bytes, straddles) ||
      cluster_slots < geometry.stride) {
    return false;
  }
  if (where == Interleave::kWherePossible) return true;
  auto rounds = [&](int64_t blocks) { return (tiles + blocks - 1) / blocks; };
  return slots > 0 && rounds(cluster_slots) <= rounds(slots);
}

// The instantiations of a phase-GEMM kernel that launch_tiles() chooses from: for tiles inside
// one batch entry each and for tiles that straddle entries (GemmTiling::straddles), plain and,
// where not nullptr, interleaved (launched in clusters of the phases).
template <class Params>
struct TileKernels {
  void (*within)(Params) = nullptr;
  void (*straddling)(Params) = nullptr;
  void (*within_interleaved)(Params) = nullptr;
  void (*straddling_interleaved)(Params) = nullptr;
};

// How Math's tile covers the problem of `params` (gemm_tiling()).
template <class Math, class Params>
constexpr GemmTiling tiling_of(const Params& params) {
  return gemm_tiling<Math>(params.batch, params.groups, params.out_per_group, params.geometry);
}

// Copies `tiling` (tiling_of(params)) and the phases' table into `params`.
template <class Params>
void set_tiling(Params& params, const GemmTiling& tiling) {
  params.channel_tiles = tiling.channel_tiles;
  params.entry_columns = tiling.entry_columns;
  params.column_tiles = tiling.column_tiles;
  params.total_tiles = tiling.total_tiles;
  for (int64_t r = 0; r < params.geometry.stride && r < kernel::kPhaseTable; ++r) {
    params.phases[r] = params.geometry.phase(r);
  }
}

// Launches a phase-GEMM kernel of Math's tile on the tiles of `params` (`tiling`:
// tiling_of(params), which it copies into params), with kSharedBytes of dynamic shared memory,
// which must fit every supported GPU (kernel::kPortableBlockSharedBytes). One block per tile,
// except where `grid` is resident and the tiles are more than the blocks that the GPU's
// multiprocessors hold at once but fewer than kResidentRounds rounds of them: then the grid is
// those blocks, each taking every grid-th tile, so that the tiles past the first round go one to a
// block of the first round (to distinct multiprocessors where they are fewer than them, as far as
// the block scheduler spreads a launch's first blocks over an otherwise idle GPU, as measured)
// rather than to the slots the first round happens to free first, two on some multiprocessors while
// others idle. Over more rounds, one block per tile balances uneven tiles better. Interleaved where
// `grid` and interleaves_phases() say so and the device holds clusters of the interleaved kernel's
// blocks (resident_clusters()): then in clusters of `stride` consecutive blocks, each cluster's
// blocks taking the stride phases of the same channels and columns, on a grid of whole clusters.
template <class Math, size_t kSharedBytes, class Params>
Status launch_tiles(const TileKernels<Params>& kernels, Params params, const GemmTiling& tiling,
                    TileGrid grid, cudaStream_t stream) {
  static_assert(kSharedBytes <= kernel::kPortableBlockSharedBytes,
                "the tile launches on every supported GPU");
  set_tiling(params, tiling);
  void (*const plain)(Params) = tiling.straddles ? kernels.straddling : kernels.within;
  void (*const interleaved_kernel)(Params) =
      tiling.straddles ? kernels.straddling_interleaved : kernels.within_interleaved;
  if (Status status = allow_shared_memory(plain, kSharedBytes); status != Status::kSuccess) {
    return status;
  }
  // Per kernel, within and straddling. The rows launch's two kernels within entries (tensor
  // copies and cp.async) share the figure of whichever launched first on the device: not
  // measured to differ, a known inaccuracy (docs/tuning.md, lead 11).
  const int straddles = tiling.straddles ? 1 : 0;
  const int64_t stride = params.geometry.stride;
  constexpr int64_t kElementBytes = sizeof(*params.y);  // of one output
  const bool may_interleave =
      interleaved_kernel != nullptr &&
      interleave_candidate(grid.interleave, params.geometry, params.in_per_group, kElementBytes,
                           tiling.straddles);
  int64_t blocks = params.total_tiles;  // a multiple of the stride
  // The blocks that the multiprocessors hold at once, plainly and in clusters of the phases (at
  // most as many; 0 where not asked).
  int64_t slots = 0, cluster_slots = 0;
  if ((grid.resident && blocks > grid.multiprocessors) || may_interleave) {
    static std::atomic<int> known[2][kRememberedDevices];
    int per_multiprocessor = 0;
    if (Status status = resident_blocks(plain, Math::kThreads, kSharedBytes, known[straddles],
                                        per_multiprocessor);
        status != Status::kSuccess) {
      return status;
    }
    slots = static_cast<int64_t>(per_multiprocessor) * grid.multiprocessors;
  }
  if (may_interleave) {
    if (Status status = allow_shared_memory(interleaved_kernel, kSharedBytes);
        status != Status::kSuccess) {
      return status;
    }
    static std::atomic<int> known[2][kernel::kMaxInterleave + 1][kRememberedDevices];
    int clusters = 0;
    if (Status status = resident_clusters(interleaved_kernel, Math::kThreads, kSharedBytes,
                                          static_cast<int>(stride), known[straddles][stride],
                                          clusters);
        status != Status::kSuccess) {
      return status;
    }
    const int64_t whole = slots - slots % stride;  // whole clusters of the plain blocks
    cluster_slots = clusters * stride < whole ? clusters * stride : whole;
  }
  const bool interleaved =
      may_interleave && interleaves_phases(grid.interleave, params.geometry, params.in_per_group,
                                           kElementBytes, tiling.straddles, blocks, slots,
                                           cluster_slots);
  if (interleaved) slots = cluster_slots;
  if (grid.resident && slots > 0 && slots < blocks && blocks < kResidentRounds * slots) {
    blocks = slots;
  }
  if (!interleaved) {
    plain<<<grid_for(blocks), Math::kThreads, kSharedBytes, stream>>>(params);
    return last_launch_status();
  }
  // Whole clusters: blocks take the tiles of their own phase (blockIdx.x % stride) only.
  const unsigned int grid_blocks = grid_for(blocks);
  const unsigned int cluster_blocks =
      grid_blocks - grid_blocks % static_cast<unsigned int>(stride);
  cudaLaunchAttribute attribute = {};
  const cudaLaunchConfig_t config = cluster_launch(
      cluster_blocks, Math::kThreads, kSharedBytes, static_cast<int>(stride), stream, attribute);
  const cudaError_t error = cudaLaunchKernelEx(&config, interleaved_kernel, params);
  return error == cudaSuccess ? last_launch_status() : make_cuda_status(static_cast<int>(error));
}

// The driver's cuTensorMapEncodeTiled (looked up once; nullptr where the driver lacks it).
inline PFN_cuTensorMapEncodeTiled_v12000 tensor_map_encoder() {
  static const PFN_cuTensorMapEncodeTiled_v12000 encoder = [] {
    void* function = nullptr;
    cudaDriverEntryPointQueryResult found = cudaDriverEntryPointSymbolNotFound;
#if CUDART_VERSION >= 12050
    const cudaError_t error = cudaGetDriverEntryPointByVersion(
        "cuTensorMapEncodeTiled", &function, 12000, cudaEnableDefault, &found);
#else
    const cudaError_t error =
        cudaGetDriverEntryPoint("cuTensorMapEncodeTiled", &function, cudaEnableDefault, &found);
#endif
    if (error != cudaSuccess || found != cudaDriverEntryPointSuccess) {
      function = nullptr;
    }
    return reinterpret_cast<PFN_cuTensorMapEncodeTiled_v12000>(function);
  }();
  return encoder;
}

template <class T>
constexpr CUtensorMapDataType tensor_map_type() {
  if constexpr (cuda::std::is_same_v<T, float>) {
    return CU_TENSOR_MAP_DATA_TYPE_FLOAT32;
  } else if constexpr (cuda::std::is_same_v<T, __half>) {
    return CU_TENSOR_MAP_DATA_TYPE_FLOAT16;
  } else {
    static_assert(cuda::std::is_same_v<T, __nv_bfloat16>, "tensor-core operands");
    return CU_TENSOR_MAP_DATA_TYPE_BFLOAT16;
  }
}

// Encodes `map` over the rows at `base`: `channels` elements of T a row (the innermost
// dimension), `rows` rows a plane, `planes` planes, each row and plane contiguous after the
// last; boxes of 128 bytes of channels x `box_rows` rows of one plane, in the tensor cores'
// 128-byte swizzle, zeros outside. False where the driver has no encoder or refuses the map.
template <class T>
bool encode_rows_map(CUtensorMap& map, const T* base, int64_t channels, int64_t rows,
                     int64_t planes, int box_rows) {
  const auto encode = tensor_map_encoder();
  if (encode == nullptr) return false;
  const cuuint64_t sizes[3] = {static_cast<cuuint64_t>(channels), static_cast<cuuint64_t>(rows),
                               static_cast<cuuint64_t>(planes)};
  const cuuint64_t strides[2] = {static_cast<cuuint64_t>(channels) * sizeof(T),
                                 static_cast<cuuint64_t>(channels * rows) * sizeof(T)};
  const cuuint32_t box[3] = {128 / sizeof(T), static_cast<cuuint32_t>(box_rows), 1};
  const cuuint32_t steps[3] = {1, 1, 1};
  return encode(&map, tensor_map_type<T>(), 3, const_cast<T*>(base), sizes, strides, box, steps,
                CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B,
                CU_TENSOR_MAP_L2_PROMOTION_L2_128B,
                CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE) == CUDA_SUCCESS;
}

// Encodes the rows kernel's tensor maps (kernel::RowGemmParams) for Math's tile, from the weight
// rows' layout (params.weights: the kernel's box coordinates use the same) and the input rows'.
// False where the copies' 32-bit coordinates could not reach every box (the kernel then copies
// by cp.async) or the driver cannot encode them.
template <class Math, class T>
bool encode_row_maps(kernel::RowGemmParams<T>& params) {
  constexpr int64_t kLimit = INT32_MAX;
  const PhaseGeometry& geometry = params.geometry;
  const WeightLayout& layout = params.weights;
  const int64_t rows_per_plane = layout.tap / layout.out_channel;  // out_per_group
  const int64_t planes = checked_product({params.groups, layout.group / layout.tap});
  const int64_t entries = checked_product({params.batch, params.groups});
  const int64_t sizes[] = {params.row_channels, rows_per_plane, planes, entries};
  for (const int64_t size : sizes) {
    if (size < 0 || size > kLimit) return false;
  }
  // An input box starts at position m - first_offset - i * offset_step (m below padding / stride
  // + 1 + max_m_count(), |first_offset| <= dilation, i * offset_step < kernel_size x dilation)
  // and spans kBlockPositions rows.
  const int64_t terms[] = {geometry.padding, geometry.max_m_count(), Math::kBlockPositions,
                           geometry.dilation,
                           checked_product({geometry.kernel_size, geometry.dilation}),
                           params.in_length};
  int64_t reach = 0;
  for (const int64_t term : terms) {
    if (term < 0 || term > kLimit) return false;
    reach += term;
  }
  if (reach > kLimit) return false;
  return encode_rows_map(params.weight_map, params.w, params.row_channels, rows_per_plane, planes,
                         Math::kBlockChannels) &&
         encode_rows_map(params.input_map, params.input_rows, params.row_channels,
                         params.in_length, entries, Math::kBlockPositions);
}

// The rows kernel with Math's tile, on a resident grid (launch_tiles()) for the GPU's
// `multiprocessors`, interleaved where kInterleave says so (its interleaved instantiations only
// where it may: within entries for kWhereFaster, also straddling for kWherePossible); `params`
// has its operands (prepare_rows()). The warpgroup tiles within entries fill their stages by
// tensor copies (sm_90 and later) where kTensorCopies allows and their maps encode.
template <class T, class Math, Interleave kInterleave, bool kTensorCopies = true>
Status launch_gemm_rows(kernel::RowGemmParams<T> params, int multiprocessors,
                        cudaStream_t stream) {
  TileKernels<kernel::RowGemmParams<T>> kernels;
  constexpr bool kInterleaves =
      kInterleave != Interleave::kNever && kernel::GemmSharedStorage<Math>::kTile;
  kernels.within = kernel::gemm_rows_kernel<T, Math, false>;
  kernels.straddling = kernel::gemm_rows_kernel<T, Math, true>;
  if constexpr (kInterleaves) {
    kernels.within_interleaved = kernel::gemm_rows_kernel<T, Math, false, true>;
    if constexpr (kInterleave == Interleave::kWherePossible) {
      kernels.straddling_interleaved = kernel::gemm_rows_kernel<T, Math, true, true>;
    }
  }
  const GemmTiling tiling = tiling_of<Math>(params);
  if constexpr (kTensorCopies && Math::kAsyncProxyReads) {
    if (!tiling.straddles && encode_row_maps<Math>(params)) {
      kernels.within = kernel::gemm_rows_kernel<T, Math, false, false, true>;
      if constexpr (kInterleaves) {
        kernels.within_interleaved = kernel::gemm_rows_kernel<T, Math, false, true, true>;
      }
    }
  }
  return launch_tiles<Math, kernel::gemm_shared_bytes<Math, Math::kStageAlignment>()>(
      kernels, params, tiling, TileGrid::resident_on(multiprocessors).interleaved(kInterleave),
      stream);
}

// launch(cuda::std::type_identity<Instruction>{}) with the tensor-core instruction T and `math`
// call for on Tile.
template <class T, class Tile, class Launch>
Status with_instruction(MathMode math, Launch&& launch) {
  if constexpr (cuda::std::is_same_v<T, float>) {
    if (math == MathMode::k3xTF32) {
      // select_config() gives 3xTF32 only the 4-warp tiles; the others are not instantiated.
      if constexpr (Tile::kThreads <= 128) {
        return launch(cuda::std::type_identity<warp::Tf32x3Mma>{});
      } else {
        return make_cuda_status(static_cast<int>(cudaErrorInvalidValue));
      }
    }
    return launch(cuda::std::type_identity<warp::Tf32Mma>{});
  } else if constexpr (cuda::std::is_same_v<T, __half> || cuda::std::is_same_v<T, __nv_bfloat16>) {
    return launch(cuda::std::type_identity<warp::Half16Mma<T>>{});
  } else {
    return make_cuda_status(static_cast<int>(cudaErrorInvalidValue));  // double: never chosen
  }
}

// The rows kernel with a tensor-core tile shape: the warpgroup tiles (WgmmaMath) for TF32 and
// 16-bit, the 4-warp mma.sync tiles (MmaRowMath) for 3xTF32, whose split operands wgmma cannot
// read; select_config() pairs them so.
template <class T, class Tile>
Status launch_mma_rows(const kernel::RowGemmParams<T>& params, MathMode math,
                       int multiprocessors, cudaStream_t stream) {
  return with_instruction<T, Tile>(math, [&](auto instruction) {
    using Instruction = typename decltype(instruction)::type;
    constexpr bool kWarpgroupTile = Tile::kWarpsPositions == 1;
    if constexpr (kWarpgroupTile && Instruction::kParts == 1) {
      return launch_gemm_rows<T, WgmmaMath<T, Tile, Instruction>, Interleave::kWhereFaster>(
          params, multiprocessors, stream);
    } else if constexpr (!kWarpgroupTile && Instruction::kParts > 1) {
      // 3xTF32: interleaved, its tiles were slower on every layer measured (T15).
      return launch_gemm_rows<T, block::MmaRowMath<T, Tile, Instruction>, Interleave::kNever>(
          params, multiprocessors, stream);
    } else {
      return make_cuda_status(static_cast<int>(cudaErrorInvalidValue));
    }
  });
}

// The phase-GEMM kernel with Math's tile, reading conv.w in `weights`' layout.
template <class T, class Math>
Status launch_gemm(const kernel::ConvParams<T>& conv, const WeightLayout& weights,
                   cudaStream_t stream) {
  kernel::GemmParams<T> params;
  static_cast<kernel::ConvParams<T>&>(params) = conv;
  params.weights = weights;
  const GemmTiling tiling = tiling_of<Math>(params);
  // Most tiles pass 48 KiB (the four-stage 3xTF32 and double stages, the epilogue's tile).
  TileKernels<kernel::GemmParams<T>> kernels;
  kernels.within = kernel::gemm_kernel<T, Math, false>;
  kernels.straddling = kernel::gemm_kernel<T, Math, true>;
  return launch_tiles<Math, kernel::gemm_shared_bytes<Math>()>(
      kernels, params, tiling, TileGrid::block_per_tile(), stream);
}

// The phase-GEMM kernel with Math's tile on the tiles of `params`, each tile's reduction split
// into `splits` parts (SplitParts, 2 to kMaxSplits) over a cluster of as many blocks
// (kernel::store_split_tile()), one cluster per tile. Where the device cannot run such clusters
// (before sm_90, or a build without sm_90 code), the reduction is not split.
template <class T, class Math>
Status launch_split_gemm(const kernel::ConvParams<T>& conv, const WeightLayout& weights,
                         int splits, cudaStream_t stream) {
  static_assert(kernel::GemmSharedStorage<Math>::kTile, "the parts are summed in shared memory");
  constexpr size_t kSharedBytes = kernel::gemm_shared_bytes<Math>();
  kernel::GemmParams<T> params;
  static_cast<kernel::ConvParams<T>&>(params) = conv;
  params.weights = weights;
  const GemmTiling tiling = tiling_of<Math>(params);
  set_tiling(params, tiling);
  const SplitParts parts = SplitParts::of(params.in_per_group, Math::kReductionWords * Math::kPack,
                                          splits < kMaxSplits ? splits : kMaxSplits);
  if (parts.parts < 2) return launch_gemm<T, Math>(conv, weights, stream);
  params.splits = parts.parts;
  params.split_chunks = parts.chunks;
  void (*const kernel)(kernel::GemmParams<T>) =
      tiling.straddles ? kernel::gemm_kernel<T, Math, true, true>
                       : kernel::gemm_kernel<T, Math, false, true>;
  if (Status status = allow_shared_memory(kernel, kSharedBytes); status != Status::kSuccess) {
    return status;
  }
  static std::atomic<int> known[2][kMaxSplits + 1][kRememberedDevices];
  int clusters = 0;
  if (Status status = resident_clusters(kernel, Math::kThreads, kSharedBytes, params.splits,
                                        known[tiling.straddles ? 1 : 0][params.splits], clusters);
      status != Status::kSuccess) {
    return status;
  }
  if (clusters == 0) return launch_gemm<T, Math>(conv, weights, stream);
  // One cluster per tile, or as many whole clusters as a grid holds (they loop over the rest).
  const int64_t max_clusters = grid_for(params.total_tiles * params.splits) / params.splits;
  const int64_t grid_clusters = params.total_tiles < max_clusters ? params.total_tiles
                                                                  : max_clusters;
  cudaLaunchAttribute attribute = {};
  const cudaLaunchConfig_t config =
      cluster_launch(static_cast<unsigned int>(grid_clusters * params.splits), Math::kThreads,
                     kSharedBytes, params.splits, stream, attribute);
  const cudaError_t error = cudaLaunchKernelEx(&config, kernel, params);
  return error == cudaSuccess ? last_launch_status() : make_cuda_status(static_cast<int>(error));
}

// A tensor-core tile shape with the instruction T and `math` call for.
template <class T, class Tile>
Status launch_mma(const kernel::ConvParams<T>& conv, const WeightLayout& weights, MathMode math,
                  cudaStream_t stream) {
  return with_instruction<T, Tile>(math, [&](auto instruction) {
    using Instruction = typename decltype(instruction)::type;
    return launch_gemm<T, block::MmaMath<T, Tile, Instruction>>(conv, weights, stream);
  });
}

// The direct kernel's blocks that a launch split into slices may have per multiprocessor.
inline constexpr int64_t kDirectSliceBlocks = 4;

// The grid of the window and direct kernels, whose blocks each take a contiguous run of tiles:
// enough blocks for several waves of full occupancy (16 a multiprocessor, or one a tile where
// there are fewer), each taking tiles_per_block tiles (the last block the rest).
struct TileRuns {
  int64_t tiles_per_block = 0;
  int64_t blocks = 0;

  static constexpr TileRuns of(int64_t total_tiles, int multiprocessors) {
    const int64_t max_blocks = 16 * static_cast<int64_t>(multiprocessors);
    const int64_t spread = total_tiles < max_blocks ? total_tiles : max_blocks;
    TileRuns runs;
    runs.tiles_per_block = (total_tiles + spread - 1) / spread;
    runs.blocks = (total_tiles + runs.tiles_per_block - 1) / runs.tiles_per_block;
    return runs;
  }
};

// Whether the direct kernel stages its partial outputs in shared memory (kernel/direct_kernel.cuh):
// strides up to kernel::kMaxStagedStride, with every tap's input offset (K - 1) * dilation /
// stride within its tap table's 32 bits.
constexpr bool direct_stages(const PhaseGeometry& geometry) {
  return geometry.stride <= kernel::kMaxStagedStride &&
         (geometry.kernel_size - 1) * geometry.dilation / geometry.stride <= INT32_MAX;
}

// Slices of the direct kernel's blocks (kernel/direct_kernel.cuh) for `rows` output rows of
// `m_count` values of m each, at `stride`, summing `in_per_group` input channels: one where the
// tiles of one slice fill the GPU; layers too small for that take twice the slices, with half
// the positions a tile, as long as each slice keeps 8 input channels (the kernel's independent
// partial sums), the slices' partial outputs fit the staging rows, and the tiles stay within
// kDirectSliceBlocks a multiprocessor.
constexpr int direct_slices(int64_t rows, int64_t m_count, int64_t in_per_group, int64_t stride,
                            int multiprocessors) {
  int slices = 1;
  while (slices < kernel::kMaxDirectSlices && stride * slices * 2 <= kernel::kMaxStagedStride &&
         in_per_group >= 16 * slices) {
    const int64_t lanes = Direct::kThreads / (slices * 2);
    const int64_t tiles = rows * ((m_count + lanes - 1) / lanes);
    if (tiles > kDirectSliceBlocks * multiprocessors) break;
    slices *= 2;
  }
  return slices;
}

template <class T, int kKernelSize>
Status launch_direct(const kernel::ConvParams<T>& conv, int multiprocessors,
                     cudaStream_t stream) {
  kernel::DirectParams<T> params;
  static_cast<kernel::ConvParams<T>&>(params) = conv;
  const PhaseGeometry& geometry = conv.geometry;
  // m ranges over every value that has an output position j = m * stride + r - padding inside
  // [0, out_length) for some phase r.
  params.first_m = -floor_div(geometry.stride - 1 - geometry.padding, geometry.stride);
  const int64_t last_m = floor_div(conv.out_length - 1 + geometry.padding, geometry.stride);
  params.m_count = last_m - params.first_m + 1;
  params.staged = direct_stages(geometry);
  params.slices = params.staged ? direct_slices(conv.batch * conv.out_channels, params.m_count,
                                                conv.in_per_group, geometry.stride,
                                                multiprocessors)
                                : 1;
  const int lanes = Direct::kThreads / params.slices;
  while ((1 << params.lane_bits) < lanes) ++params.lane_bits;
  params.tile_steps = params.slices == 1 ? Direct::kPositionsPerThread : 1;
  const int64_t tile_positions = static_cast<int64_t>(params.tile_steps) * lanes;
  params.row_tiles = (params.m_count + tile_positions - 1) / tile_positions;
  params.total_tiles = conv.batch * conv.out_channels * params.row_tiles;
  // Consecutive tiles of a block mostly share one output channel and its cached weights.
  const TileRuns runs = TileRuns::of(params.total_tiles, multiprocessors);
  params.tiles_per_block = runs.tiles_per_block;
  params.max_tap_offset = (geometry.kernel_size - 1) * geometry.dilation / geometry.stride;
  if (params.staged) params.by_stride = FastDivmod::make(static_cast<int32_t>(geometry.stride));
  params.narrow = params.total_tiles <= INT32_MAX &&
                  (geometry.kernel_size - 1) * geometry.dilation <= INT32_MAX;
  if (params.narrow) {  // then row_tiles, out_channels and out_per_group are below 2^31 too
    params.by_row_tiles = FastDivmod::make(static_cast<int32_t>(params.row_tiles));
    params.by_out_channels = FastDivmod::make(static_cast<int32_t>(conv.out_channels));
    params.by_out_per_group = FastDivmod::make(static_cast<int32_t>(conv.out_per_group));
  }
  params.by_kernel_size = FastDivmod::make(static_cast<int32_t>(conv.kernel_size));
  using Layout = kernel::DirectSharedLayout<accumulator_t<T>, Direct>;
  const size_t shared_bytes = Layout::bytes(conv.in_per_group, conv.kernel_size);
  // Layers in slices (small ones, latency-bound) take one kernel with the kernel size read at
  // run time; the rest keep their slice count and lanes compile-time constants.
  auto* kernel = params.slices > 1 ? kernel::direct_kernel<T, Direct, 0, true>
                                   : kernel::direct_kernel<T, Direct, kKernelSize, false>;
  // Double with a large weight cache: up to about 66 KiB.
  if (Status status = allow_shared_memory(kernel, shared_bytes); status != Status::kSuccess) {
    return status;
  }
  kernel<<<grid_for(runs.blocks), Direct::kThreads, shared_bytes, stream>>>(params);
  return last_launch_status();
}

template <class T, int kChannels, int kRegisterTaps>
Status launch_window(const kernel::ConvParams<T>& conv, int multiprocessors,
                     cudaStream_t stream) {
  kernel::WindowParams<T> params;
  static_cast<kernel::ConvParams<T>&>(params) = conv;
  const PhaseGeometry& geometry = conv.geometry;
  const int stride = static_cast<int>(geometry.stride);
  params.positions = Window::kThreads - Window::kThreads % stride;
  // kMaxWindowSteps outputs a thread, fewer where the row is shorter, where the tiles would not
  // give each multiprocessor 8 blocks, or where the windows would not fit kWindowMaxBytes.
  const int64_t rows = conv.batch * conv.out_channels;
  auto tiles_of = [&](int64_t steps) {
    const int64_t tile_outputs = steps * params.positions;
    return rows * ((conv.out_length + tile_outputs - 1) / tile_outputs);
  };
  int64_t steps = kernel::kMaxWindowSteps;
  while (steps > 1 && (steps / 2) * params.positions >= conv.out_length) steps /= 2;
  while (steps > 1 && tiles_of(steps) < 8 * static_cast<int64_t>(multiprocessors)) steps /= 2;
  while (steps > 1 && window_shared_bytes<accumulator_t<T>>(geometry, kChannels,
                                                            steps * params.positions) >
                          kWindowMaxBytes) {
    steps /= 2;
  }
  params.tile_outputs = static_cast<int32_t>(steps * params.positions);
  params.row_tiles = (conv.out_length + params.tile_outputs - 1) / params.tile_outputs;
  params.total_tiles = rows * params.row_tiles;
  const TileRuns runs = TileRuns::of(params.total_tiles, multiprocessors);
  params.tiles_per_block = runs.tiles_per_block;
  params.reach = static_cast<int32_t>((geometry.kernel_size - 1) * geometry.dilation);
  params.first_window = floor_div(geometry.padding - params.reach, stride);
  params.first_rest =
      static_cast<int32_t>(geometry.padding - params.reach - params.first_window * stride);
  params.window = static_cast<int32_t>(window_inputs(geometry, params.tile_outputs));
  const size_t shared_bytes = kernel::WindowSharedLayout<accumulator_t<T>>::bytes(
      params.window, kChannels, geometry.kernel_size);
  // 16-bit layers with 3 or 4 taps a phase hold their blocks at 32 registers a thread, 3-9%
  // faster; float ran as fast or up to 3% slower so held (it spills 4 bytes), double was not
  // timed (it spills 36) (H200, docs/tuning.md, T22).
  if constexpr (kRegisterTaps == kernel::kWindowRegisterTaps && sizeof(T) == 2) {
    kernel::window_kernel_resident<T, Window, kChannels, kRegisterTaps>
        <<<grid_for(runs.blocks), Window::kThreads, shared_bytes, stream>>>(params);
  } else {
    kernel::window_kernel<T, Window, kChannels, kRegisterTaps>
        <<<grid_for(runs.blocks), Window::kThreads, shared_bytes, stream>>>(params);
  }
  return last_launch_status();
}

// The window kernel for the group's input channels and, for one channel, the taps of its phases:
// up to 2 or kWindowRegisterTaps taps in registers, more from shared memory.
template <class T>
Status launch_window_for_channels(const kernel::ConvParams<T>& conv, int multiprocessors,
                                  cudaStream_t stream) {
  static_assert(kernel::kMaxWindowChannels == 3, "one case per channel count");
  const PhaseGeometry& geometry = conv.geometry;
  const int64_t taps = (geometry.kernel_size - 1) / geometry.tap_step + 1;  // phase of tap 0
  switch (conv.in_per_group) {
    case 1:
      if (taps <= 2) return launch_window<T, 1, 2>(conv, multiprocessors, stream);
      if (taps <= kernel::kWindowRegisterTaps) {
        return launch_window<T, 1, kernel::kWindowRegisterTaps>(conv, multiprocessors, stream);
      }
      return launch_window<T, 1, 0>(conv, multiprocessors, stream);
    case 2: return launch_window<T, 2, 0>(conv, multiprocessors, stream);
    default: return launch_window<T, 3, 0>(conv, multiprocessors, stream);
  }
}

// The kernel sizes that get a direct kernel of their own; any other uses the run-time-K one.
template <class T>
Status launch_direct_for_kernel_size(const kernel::ConvParams<T>& conv, int multiprocessors,
                                     cudaStream_t stream) {
  switch (conv.kernel_size) {
    case 1: return launch_direct<T, 1>(conv, multiprocessors, stream);
    case 2: return launch_direct<T, 2>(conv, multiprocessors, stream);
    case 3: return launch_direct<T, 3>(conv, multiprocessors, stream);
    case 4: return launch_direct<T, 4>(conv, multiprocessors, stream);
    case 5: return launch_direct<T, 5>(conv, multiprocessors, stream);
    case 7: return launch_direct<T, 7>(conv, multiprocessors, stream);
    case 8: return launch_direct<T, 8>(conv, multiprocessors, stream);
    case 10: return launch_direct<T, 10>(conv, multiprocessors, stream);
    case 11: return launch_direct<T, 11>(conv, multiprocessors, stream);
    case 12: return launch_direct<T, 12>(conv, multiprocessors, stream);
    case 16: return launch_direct<T, 16>(conv, multiprocessors, stream);
    case 20: return launch_direct<T, 20>(conv, multiprocessors, stream);
    default: return launch_direct<T, 0>(conv, multiprocessors, stream);
  }
}

inline Status multiprocessor_count(int& count) {
  int device = 0;
  cudaError_t error = cudaGetDevice(&device);
  if (error == cudaSuccess) {
    error = cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device);
  }
  return error == cudaSuccess ? Status::kSuccess : make_cuda_status(static_cast<int>(error));
}

// Launches the kernel select_config() picks. The problem and options are valid, the problem is
// not empty.
template <class T>
Status launch(const Problem& problem, const T* x, const T* w, const T* bias, T* y,
              cudaStream_t stream, const Options& options) {
  int multiprocessors = 0;
  if (Status status = multiprocessor_count(multiprocessors); status != Status::kSuccess) {
    return status;
  }
  auto conv = kernel::ConvParams<T>::from(problem, x, w, bias, y);
  // With a workspace (large enough: conv_transpose1d() checked it), tensor-core problems run the
  // rows kernel on operands prepared there, and the others that pack their weights do.
  const bool with_workspace =
      options.workspace != nullptr && workspace_bytes<T>(problem, options.math) > 0;
  const bool rows = with_workspace && uses_rows_kernel<T>(problem, options.math);
  const KernelChoice choice =
      select_config<T>(problem, multiprocessors, options.math, with_workspace);
  if (choice == KernelChoice::kWindow) {
    return launch_window_for_channels(conv, multiprocessors, stream);
  }
  if (choice == KernelChoice::kDirect) {
    return launch_direct_for_kernel_size(conv, multiprocessors, stream);
  }
  if (rows) {
    kernel::RowGemmParams<T> params;
    static_cast<kernel::ConvParams<T>&>(params) = conv;
    if (Status status =
            prepare_rows(problem, x, w, options.workspace, options.math, multiprocessors, stream,
                         params);
        status != Status::kSuccess) {
      return status;
    }
    const MathMode math = options.math;
    switch (choice) {
      case KernelChoice::kMmaMedium:
        return launch_mma_rows<T, MmaMedium>(params, math, multiprocessors, stream);
      case KernelChoice::kMmaShort:
        return launch_mma_rows<T, MmaShort>(params, math, multiprocessors, stream);
      case KernelChoice::kWgmmaShort:
        return launch_mma_rows<T, WgmmaShort>(params, math, multiprocessors, stream);
      case KernelChoice::kWgmmaMedium:
        return launch_mma_rows<T, WgmmaMedium>(params, math, multiprocessors, stream);
      case KernelChoice::kWgmmaLarge:
        return launch_mma_rows<T, WgmmaLarge>(params, math, multiprocessors, stream);
      default: return make_cuda_status(static_cast<int>(cudaErrorInvalidValue));
    }
  }
  const bool packed = with_workspace;
  WeightLayout weights = pytorch_weight_layout(conv.in_per_group, conv.out_per_group,
                                               conv.kernel_size, conv.geometry);
  if (packed) {
    if (Status status = pack_weights(problem, w, options.workspace, stream, conv.w);
        status != Status::kSuccess) {
      return status;
    }
    weights = PackedShape::from(problem).layout();
  }
  if constexpr (cuda::std::is_same_v<T, float> || cuda::std::is_same_v<T, double>) {
    using block::SimtMath;
    switch (choice) {
      case KernelChoice::kGemmMedium: return launch_gemm<T, SimtMath<T, GemmMedium>>(conv, weights, stream);
      case KernelChoice::kGemmSquare:
        if constexpr (cuda::std::is_same_v<T, float>) {
          if (const int splits = gemm_splits<T>(problem, options.math, choice); splits > 1) {
            return launch_split_gemm<T, SimtMath<T, GemmSquare>>(conv, weights, splits, stream);
          }
        }
        return launch_gemm<T, SimtMath<T, GemmSquare>>(conv, weights, stream);
      case KernelChoice::kGemmNarrow: return launch_gemm<T, SimtMath<T, GemmNarrow>>(conv, weights, stream);
      case KernelChoice::kGemmShort: return launch_gemm<T, SimtMath<T, GemmShort>>(conv, weights, stream);
      default: break;
    }
  }
  switch (choice) {
    case KernelChoice::kMmaLarge: return launch_mma<T, MmaLarge>(conv, weights, options.math, stream);
    case KernelChoice::kMmaMedium: return launch_mma<T, MmaMedium>(conv, weights, options.math, stream);
    case KernelChoice::kMmaShort: return launch_mma<T, MmaShort>(conv, weights, options.math, stream);
    case KernelChoice::kMmaNarrow: return launch_mma<T, MmaNarrow>(conv, weights, options.math, stream);
    case KernelChoice::kMmaWide: return launch_mma<T, MmaWide>(conv, weights, options.math, stream);
    default: break;
  }
  return make_cuda_status(static_cast<int>(cudaErrorInvalidValue));  // no kernel for the choice
}

}  // namespace convt1d::detail
