// The phase-GEMM kernel: the general path for groups with many channels.
//
// Mapping. Within one phase r (docs/design.md) the transposed convolution is a GEMM:
//   y[co, m] = bias[co] + sum over (ci, tap i) of w[ci, co, k0 + i * tap_step] * x[ci, m - off_i],
// rows = output channels of the group, columns = positions m of the phase, reduction =
// input channels x taps of the phase (only taps that reach the phase: no wasted FMAs).
// A block computes one tile: Tile::kBlockChannels channels x Tile::kBlockPositions columns of
// one (group, phase). The columns of a (group, phase) are its positions in every batch entry,
// entry by entry, GemmParams::entry_columns to an entry: a whole number of tiles (each tile in
// one entry), or, where that leaves many columns of the tiles idle (batches of short inputs),
// the longest phase's positions where those are fewer than a tile's, so that every tile runs on
// into the next entries (it "straddles" them; detail::gemm_tiling()). The kernels come in two
// instantiations, for launches whose tiles straddle (kStraddles: each thread works out its input
// column's entry) and the others, which keep the main loop free of entries to cross. Each thread
// owns kThreadChannels x kThreadPositions accumulators: kThreadChannels consecutive channels, and
// its columns in runs of 4 consecutive ones.
//
// How a stage is multiplied is the Math policy's (block/gemm_math.cuh): SimtMath, where each
// thread owns a register tile of channels x positions (float and double, exact), or MmaMath,
// where each warp owns a grid of tensor-core fragments (TF32, 3xTF32, FP16, BF16). Everything
// else is this file's and common to both.
//
// Shared memory, per stage: the weight slice w[ci0 .. ci0 + kReduction, co tile, k_i] (the
// weight cache) and the input window x[ci0 .. ci0 + kReduction, m tile - off_i], both stored as
// [reduction word][channel or position]; a word holds Math::kPack consecutive input channels.
// The weights come in PyTorch's layout or packed per phase (detail/weight_layout.hpp, from the
// caller's workspace); GemmParams::weights holds the strides of either, so the loads differ only
// in them: packed, the weights of a stage are whole rows of consecutive output channels.
// Two pipelines, by Math::kCopyAsync:
//  - asynchronous (words that are the elements as they are: exact float, double, 3xTF32):
//    Math::kStages stages in shared memory, filled by cp.async; while the block multiplies one
//    stage, the copies of the next kStages - 1 are in flight, and no staging registers are held;
//  - register-staged (TF32 words, rounded on the way, and 16-bit words, which pair two input
//    channels): two stages; while the block multiplies one, each thread holds its loads of the
//    next in registers (Math::Staged), converted to words when stored.
//
// Loop order: input-channel chunks outer, taps of the phase inner, so consecutive stages read the
// same input rows (shifted) and the same weight rows (next tap) and find them in L1.
#pragma once

#include <cstdint>

#include <cuda/std/type_traits>

#include "../block/cluster.cuh"
#include "../block/gemm_math.cuh"
#include "../detail/element.cuh"
#include "../detail/weight_layout.hpp"
#include "../thread/async_copy.cuh"
#include "../warp/wgmma.cuh"
#include "conv_params.cuh"

namespace convt1d::kernel {

// Phases that GemmParams lists, worked out on the host (detail::launch_tiles()): every phase of
// strides up to this; place_tile() works out the phases of larger strides itself.
inline constexpr int kPhaseTable = 16;

template <class T>
struct GemmParams : ConvParams<T> {
  int64_t channel_tiles = 0;   // tiles over the output channels of one group
  int64_t entry_columns = 0;   // columns of a batch entry: at least the longest phase's positions
  int64_t column_tiles = 0;    // tiles over the columns of all batch entries
  int64_t total_tiles = 0;     // groups x stride x column_tiles x channel_tiles
  // How ConvParams::w is laid out: PyTorch's layout, or packed per phase (then w points to the
  // packed copy in the workspace).
  detail::WeightLayout weights;
  detail::Phase phases[kPhaseTable] = {};  // geometry.phase(r) for r < min(stride, kPhaseTable)
  // The split reduction (gemm_kernel's kSplit instantiation): each tile's input channels in
  // `splits` parts of split_chunks chunks of a stage's channels (the last part the rest), one
  // part to each block of a cluster of `splits`; 1 and 0 elsewhere.
  int splits = 1;
  int64_t split_chunks = 0;
};

// The most phases (blocks of a cluster) an interleaved launch combines: the portable cluster
// size.
inline constexpr int kMaxInterleave = 8;

// Where tile number `tile` of a phase-GEMM launch lies: group, phase r, its first output
// channel, and the batch entry n and position of its first column. Tile order: phase fastest, so
// that blocks writing the interleaved phases of one stretch of output run together and L2 merges
// their partial-sector writes; then channel tiles, which share one input window.
struct GemmTilePlace {
  int64_t n, group, r, channel_begin;
  int64_t first_local_m;  // the tile's first position, counted from the phase's first
  int64_t m_begin;        // the same as a position m
  bool straddles;         // whether the tile's columns run on past entry n (tile_column())
  detail::Phase phase;
};

// Where column `column` of a tile lies: batch entry n and position local_m of the phase, counted
// from its first; `valid` where that is an output of the problem (n < batch, local_m < m_count).
// kStraddles: place.straddles, known at compile time (the kernels' launches).
struct GemmTileColumn {
  int64_t n, local_m;
  bool valid;
};

template <bool kStraddles, class T>
__device__ __forceinline__ GemmTileColumn tile_column(const GemmParams<T>& params,
                                                      const GemmTilePlace& place, int column) {
  const int64_t local_m = place.first_local_m + column;
  if constexpr (kStraddles) {
    // Straddling tiles' columns lie below 2 x kBlockPositions, since only entries shorter than
    // a tile straddle (detail::gemm_tiling()): 32-bit divisions.
    const auto columns = static_cast<uint32_t>(params.entry_columns);
    const auto local = static_cast<uint32_t>(local_m);
    const int64_t n = place.n + local / columns;
    const int64_t entry_local_m = local % columns;
    return {n, entry_local_m, n < params.batch && entry_local_m < place.phase.m_count};
  } else {
    return {place.n, local_m, local_m < place.phase.m_count};
  }
}

// geometry.phase(r), out of line: for the strides past GemmParams' table, so that the rare
// path does not weigh on the registers of the kernels' main loops.
__device__ __noinline__ inline detail::Phase phase_out_of_line(
    const detail::PhaseGeometry& geometry, int64_t r) {
  return geometry.phase(r);
}

// The place of `tile` in a launch whose tiles straddle batch entries (kStraddles) or do not, or
// false where none of its columns is an output (the whole block skips it; in an interleaved
// launch it still takes part in its cluster's epilogue, with the place filled in).
template <int kChannels, int kPositions, bool kStraddles, class T>
__device__ __forceinline__ bool place_tile(const GemmParams<T>& params, int64_t tile,
                                           GemmTilePlace& place) {
  const detail::PhaseGeometry& geometry = params.geometry;
  int64_t rest = tile;
  place.r = rest % geometry.stride;
  rest /= geometry.stride;
  place.channel_begin = rest % params.channel_tiles * kChannels;
  rest /= params.channel_tiles;
  const int64_t first_column = rest % params.column_tiles * kPositions;
  place.group = rest / params.column_tiles;
  place.n = first_column / params.entry_columns;
  place.first_local_m = first_column % params.entry_columns;
  // The table spares every block of every tile the phase's divisions.
  place.phase =
      place.r < kPhaseTable ? params.phases[place.r] : phase_out_of_line(geometry, place.r);
  place.m_begin = place.phase.first_m + place.first_local_m;
  place.straddles = place.first_local_m + kPositions > params.entry_columns;
  if (place.straddles != kStraddles) return false;  // never, as the host launches them
  // The next entry's first columns are outputs where the phase has any.
  return place.first_local_m < place.phase.m_count ||
         (place.straddles && place.n + 1 < params.batch && place.phase.m_count > 0);
}

// The asynchronous main loop of one tile: `stages` stages through a ring of kStages
// shared-memory buffers. copy(buffer) issues the cp.async copies of the next stage into buffer
// `buffer`; multiply(buffer) multiplies the stage held there. While the block multiplies one
// stage, the copies of the next kStages - 1 are in flight. kAsyncProxyReads: multiply() reads the
// stages through the tensor cores' descriptors (wgmma), which see the copies only after a proxy
// fence of each copying thread.
template <int kStages, bool kAsyncProxyReads = false, class Copy, class Multiply>
__device__ __forceinline__ void async_pipeline(int64_t stages, Copy&& copy, Multiply&& multiply) {
  static_assert(kStages >= 2, "at least one stage in flight while one is multiplied");
  // One copy group per stage, empty ones included, so that "all but the newest kStages - 2
  // groups have landed" always means "the stage about to be multiplied has". Stage s goes to
  // buffer s % kStages.
  auto issue = [&](int64_t stage, int buffer) {
    if (stage < stages) copy(buffer);
    thread::commit();
  };
#pragma unroll 1
  for (int buffer = 0; buffer < kStages - 1; ++buffer) issue(buffer, buffer);
  int buffer = 0;
  for (int64_t stage = 0; stage < stages; ++stage) {
    thread::wait_prior<kStages - 2>();
    if constexpr (kAsyncProxyReads) warp::fence_async_shared();
    // The stage has landed for every thread, and every thread is done with the buffer the next
    // copies refill (the one multiplied in the previous iteration).
    __syncthreads();
    issue(stage + kStages - 1, buffer == 0 ? kStages - 1 : buffer - 1);
    multiply(buffer);
    buffer = buffer + 1 == kStages ? 0 : buffer + 1;
  }
  __syncthreads();  // the next tile's first copies refill buffers still being read
}

// A block's shared memory: the main loop's stages, then, once they are done with, the
// epilogue's copy of the tile (store_tile()), in rows one 16-byte chunk longer than the tile's
// so that the rows a fragment writes at once start in different banks (where the Math policy
// stages its epilogue, kStagedEpilogue, and the tile fits kPortableBlockSharedBytes). The tile is
// the larger member for the register-staged tensor-core tiles of 64 x 128 and up (about 66 KiB
// for 64 x 256 and 128 x 128), the stages elsewhere; the rest of the multiprocessor's shared
// memory is the L1 cache.
//
// kPortableBlockSharedBytes: the most dynamic shared memory a block may opt in to on every GPU
// convt1d supports (sm_86, sm_89 and sm_120: 99 KiB; sm_80 and sm_87: 163 KiB; sm_90 and sm_100:
// 227 KiB). Tiles larger than that (none of those dispatch.cuh instantiates) store where their
// accumulators lie instead, and every launch checks its whole storage against it
// (detail::launch_tiles()), so that every kernel launches on every supported GPU.
inline constexpr size_t kPortableBlockSharedBytes = 99 * 1024;

template <class Math>
union GemmSharedStorage {
  using Acc = cuda::std::remove_all_extents_t<decltype(Math::Accumulators::value)>;
  static constexpr int kPitch = Math::kBlockPositions + 16 / static_cast<int>(sizeof(Acc));
  static constexpr bool kTile =
      Math::kStagedEpilogue &&
      sizeof(Acc) * Math::kBlockChannels * kPitch <= kPortableBlockSharedBytes;
  typename Math::Stage stages[Math::kStages];
  Acc tile[kTile ? Math::kBlockChannels : 1][kTile ? kPitch : 1];
};

// Dynamic shared-memory bytes for Math's GemmSharedStorage starting at a kAlignment boundary (a
// power of two): the storage plus the slack for aligning the dynamic block, which is only
// 16-byte aligned.
template <class Math, size_t kAlignment = 16>
constexpr size_t gemm_shared_bytes() {
  return sizeof(GemmSharedStorage<Math>) + (kAlignment > 16 ? kAlignment - 16 : 0);
}

// Math's GemmSharedStorage in the dynamic shared memory `base`, at its first kAlignment boundary.
template <class Math, size_t kAlignment = 16>
__device__ __forceinline__ GemmSharedStorage<Math>& gemm_shared_storage(unsigned char* base) {
  const auto address = static_cast<size_t>(__cvta_generic_to_shared(base));
  const size_t offset = (kAlignment - address % kAlignment) % kAlignment;
  return *reinterpret_cast<GemmSharedStorage<Math>*>(base + offset);
}

// Where in y a tile column's outputs lie: the output of the tile's first channel there, or
// nullptr where the column is no output.
template <class T>
__device__ __forceinline__ T* column_output(const GemmParams<T>& params,
                                            const GemmTilePlace& place, int64_t first_channel,
                                            const GemmTileColumn& column) {
  if (!column.valid) return nullptr;
  return params.y + (column.n * params.out_channels + first_channel) * params.out_length +
         (place.phase.first_m + column.local_m) * params.geometry.stride + place.r -
         params.geometry.padding;
}

// store_tile()'s staged form (GemmSharedStorage::kTile): the accumulators into shared.tile, a
// barrier, each thread one column of it down the rows into y (two adjacent columns at once
// where they are adjacent outputs in y, aligned), a barrier.
template <bool kStraddles, class Math, class T>
__device__ __forceinline__ void store_staged_tile(const GemmParams<T>& params,
                                                  const GemmTilePlace& place,
                                                  const typename Math::Accumulators& accumulators,
                                                  int thread, GemmSharedStorage<Math>& shared) {
  using Acc = detail::accumulator_t<T>;
  constexpr int kPositions = Math::kBlockPositions;
  static_assert(Math::kThreads % kPositions == 0, "each thread stores one column of the tile");
  constexpr int kRowStep = Math::kThreads / kPositions;  // rows between a thread's stores

  Math::for_each(accumulators, thread,
                 [&](int row, int column, Acc value) { shared.tile[row][column] = value; });
  __syncthreads();

  const int64_t channel_rows = params.out_per_group - place.channel_begin;  // rows inside y
  const int64_t first_channel = place.group * params.out_per_group + place.channel_begin;
  const int64_t stride = params.geometry.stride;
  // Where y (the tile's first row and column) is aligned for it, and consecutive columns are
  // consecutive outputs (stride 1), each thread stores two columns at once. At stride 1 a
  // column's output is j = local_m (first_m = padding); local_m is even for even columns (the
  // columns of an entry, out_length or a whole number of tiles, are even; the test of
  // entry_columns is a guard), and so are the rows' starts: both columns of a pair are outputs.
  const bool paired = stride == 1 && params.out_length % 2 == 0 &&
                      params.entry_columns % 2 == 0 &&
                      reinterpret_cast<uintptr_t>(params.y) % (2 * sizeof(T)) == 0;
  if (paired) {
    static_assert(Math::kThreads % (kPositions / 2) == 0 && kPositions % 2 == 0,
                  "each thread stores two columns of the tile");
    constexpr int kPairRowStep = Math::kThreads / (kPositions / 2);
    const int column = thread % (kPositions / 2) * 2, first_row = thread / (kPositions / 2);
    T* const y = column_output(params, place, first_channel,
                               tile_column<kStraddles>(params, place, column));
    if (y != nullptr) {
#pragma unroll 4
      for (int row = first_row; row < Math::kBlockChannels; row += kPairRowStep) {
        if (row >= channel_rows) break;
        using AccPair = cuda::std::conditional_t<sizeof(Acc) == 4, float2, double2>;
        const AccPair values = *reinterpret_cast<const AccPair*>(&shared.tile[row][column]);
        Acc first = values.x, second = values.y;
        if (params.bias != nullptr) {
          const Acc bias = detail::load_as_accumulator(params.bias + first_channel + row);
          first += bias;
          second += bias;
        }
        detail::store_pair(y + row * params.out_length, detail::from_accumulator<T>(first),
                           detail::from_accumulator<T>(second));
      }
    }
  } else {
    const int column = thread % kPositions, first_row = thread / kPositions;
    T* const y = column_output(params, place, first_channel,
                               tile_column<kStraddles>(params, place, column));
    if (y != nullptr) {
#pragma unroll 4
      for (int row = first_row; row < Math::kBlockChannels; row += kRowStep) {
        if (row >= channel_rows) break;
        Acc value = shared.tile[row][column];
        if (params.bias != nullptr) {
          value += detail::load_as_accumulator(params.bias + first_channel + row);
        }
        y[row * params.out_length] = detail::from_accumulator<T>(value);
      }
    }
  }
  __syncthreads();
}

// The epilogue of an interleaved launch (the rows kernel's kInterleaved instantiation, sm_90 and
// later, detail::launch_tiles()), whose clusters of `stride` blocks hold the tiles of every
// phase r at the same channels and columns. Together these cover stride x kBlockPositions
// consecutive outputs of each channel: column c of phase r is output
// (first_m(r) + local_m) * stride + r - padding = local_m * stride + u(r) of its entry, with
// u(r) = (r - padding) mod stride. Each block writes its accumulators into its shared tile;
// after a cluster barrier, the block of phase b stores channel rows b, b + stride, ... of every
// phase, reading the other blocks' tiles through distributed shared memory, 4 columns (16
// bytes) a read. Thread t takes the outputs at u = t % stride of the column groups t / stride,
// t / stride + kThreads / stride, ... of those rows, so that the stride threads of a group store
// 4 x stride consecutive outputs of a row: whole sectors, where each phase's own outputs lie
// stride apart in y. A second barrier keeps every tile in place until the cluster has read it,
// and the stages free for the next tile's copies, as store_tile()'s last barrier does.
template <bool kStraddles, class Math, class T>
__device__ __forceinline__ void store_interleaved_tile(
    const GemmParams<T>& params, const GemmTilePlace& place,
    const typename Math::Accumulators& accumulators, int thread,
    GemmSharedStorage<Math>& shared) {
  using Acc = detail::accumulator_t<T>;
  static_assert(GemmSharedStorage<Math>::kTile, "the cluster reads the tiles in shared memory");
  static_assert(cuda::std::is_same_v<Acc, float>, "tensor-core tiles accumulate in float");
  constexpr int kGroups = Math::kBlockPositions / 4;  // column groups of a row
  static_assert(Math::kBlockPositions % 4 == 0 && (kGroups & (kGroups - 1)) == 0,
                "a row is a power of two of column groups");
  static_assert(GemmSharedStorage<Math>::kPitch % 4 == 0, "groups start on 16 bytes");

  Math::for_each(accumulators, thread,
                 [&](int row, int column, Acc value) { shared.tile[row][column] = value; });
  block::cluster_barrier();

  const auto stride = static_cast<int>(params.geometry.stride);
  const int step = Math::kThreads / stride;  // groups a pass
  if (thread < step * stride) {              // the others idle (strides that do not divide it)
    const int u = thread % stride;
    // The phase whose outputs lie at u, r = (u + padding) mod stride: its tile is block r's.
    GemmTilePlace source = place;
    source.r = (u + params.geometry.padding % stride) % stride;
    source.phase = params.phases[source.r];
    const Acc* const tile = block::cluster_peer(&shared.tile[0][0], static_cast<int>(source.r));
    const int64_t first_channel = place.group * params.out_per_group + place.channel_begin;
    const int64_t channel_rows = params.out_per_group - place.channel_begin;  // rows inside y
    const int rows = channel_rows < Math::kBlockChannels ? static_cast<int>(channel_rows)
                                                         : Math::kBlockChannels;
    const auto b = static_cast<int>(place.r);
    const int own_rows = rows > b ? (rows - b + stride - 1) / stride : 0;
    for (int index = thread / stride; index < own_rows * kGroups; index += step) {
      const int row = b + index / kGroups * stride;
      const int column = index % kGroups * 4;
      const float4 values =
          *reinterpret_cast<const float4*>(tile + row * GemmSharedStorage<Math>::kPitch + column);
      const Acc bias = params.bias != nullptr
                           ? detail::load_as_accumulator(params.bias + first_channel + row)
                           : Acc(0);
      const Acc sums[4] = {values.x + bias, values.y + bias, values.z + bias, values.w + bias};
#pragma unroll
      for (int i = 0; i < 4; ++i) {
        T* const y = column_output(params, source, first_channel,
                                   tile_column<kStraddles>(params, source, column + i));
        if (y != nullptr) y[row * params.out_length] = detail::from_accumulator<T>(sums[i]);
      }
    }
  }
  block::cluster_barrier();
}

// The epilogue: bias, conversion, and the store of the tile's outputs, through
// `shared.tile`. A thread's accumulators hold few consecutive positions (pairs 8 columns apart
// in tensor-core fragments, runs of 4 in SIMT tiles), so storing them as they lie sends each
// warp's stores to many memory sectors, a few bytes each. Instead the block writes its
// accumulators into the tile's rows in shared memory, then reads them back along each row,
// consecutive threads taking consecutive positions: their stores to y are consecutive where the
// stride is 1, evenly spaced elsewhere (a phase's positions lie stride apart in y). Called by
// every thread of the block after the barrier that ends the main loop; ends on a barrier, so the
// next tile's copies may refill the stages. Without the tile (GemmSharedStorage::kTile false),
// each accumulator is stored where it lies instead, with no barrier.
template <bool kStraddles, class Math, class T>
__device__ __forceinline__ void store_tile(const GemmParams<T>& params, const GemmTilePlace& place,
                                           const typename Math::Accumulators& accumulators,
                                           int thread, GemmSharedStorage<Math>& shared) {
  using Acc = detail::accumulator_t<T>;
  static_assert(cuda::std::is_same_v<Acc, typename GemmSharedStorage<Math>::Acc>,
                "the tile is held as the accumulators are");
  if constexpr (!GemmSharedStorage<Math>::kTile) {
    // Each accumulator stored where it lies.
    const int64_t first_channel = place.group * params.out_per_group + place.channel_begin;
    Math::for_each(accumulators, thread, [&](int row, int column, Acc value) {
      T* const y = column_output(params, place, first_channel,
                                 tile_column<kStraddles>(params, place, column));
      if (place.channel_begin + row >= params.out_per_group || y == nullptr) return;
      if (params.bias != nullptr) {
        value += detail::load_as_accumulator(params.bias + first_channel + row);
      }
      y[row * params.out_length] = detail::from_accumulator<T>(value);
    });
  } else {
    store_staged_tile<kStraddles, Math>(params, place, accumulators, thread, shared);
  }
}

// The epilogue of a split reduction: the cluster's `splits` blocks hold partial sums of one tile
// (each its part of the input channels); each block stores every splits-th row of the tile (from
// its own rank), the sum of the cluster's partial rows in rank order, so the output does not
// depend on which block finishes first.
template <bool kStraddles, class Math, class T>
__device__ __forceinline__ void store_split_tile(const GemmParams<T>& params,
                                                 const GemmTilePlace& place,
                                                 const typename Math::Accumulators& accumulators,
                                                 int thread, int split,
                                                 GemmSharedStorage<Math>& shared) {
  using Acc = detail::accumulator_t<T>;
  using Storage = GemmSharedStorage<Math>;
  static_assert(Storage::kTile, "the cluster reads the partial tiles in shared memory");
  constexpr int kPositions = Math::kBlockPositions;
  static_assert(Math::kThreads % kPositions == 0, "each thread stores one column of the tile");
  constexpr int kRowStep = Math::kThreads / kPositions;  // rows between a thread's stores

  Math::for_each(accumulators, thread,
                 [&](int row, int column, Acc value) { shared.tile[row][column] = value; });
  block::cluster_barrier();

  const int splits = params.splits;
  const int64_t channel_rows = params.out_per_group - place.channel_begin;  // rows inside y
  const int rows =
      channel_rows < Math::kBlockChannels ? static_cast<int>(channel_rows) : Math::kBlockChannels;
  const int64_t first_channel = place.group * params.out_per_group + place.channel_begin;
  const int column = thread % kPositions;
  T* const y = column_output(params, place, first_channel,
                             tile_column<kStraddles>(params, place, column));
  if (y != nullptr) {
    const Acc* const own = &shared.tile[0][column];
    for (int row = split + thread / kPositions * splits; row < rows; row += kRowStep * splits) {
      Acc value = 0;
      for (int rank = 0; rank < splits; ++rank) {
        value += block::cluster_peer(own, rank)[row * Storage::kPitch];
      }
      if (params.bias != nullptr) {
        value += detail::load_as_accumulator(params.bias + first_channel + row);
      }
      y[row * params.out_length] = detail::from_accumulator<T>(value);
    }
  }
  block::cluster_barrier();  // the peers' tiles stay until every block has read them
}

// kSplit: the tiles' reductions split over clusters of params.splits blocks (store_split_tile();
// sm_90 and later, launched only where the device runs the clusters).
template <class T, class Math, bool kStraddles, bool kSplit = false>
__global__ void __launch_bounds__(Math::kThreads, Math::kMinBlocksPerMultiprocessor)
    gemm_kernel(const __grid_constant__ GemmParams<T> params) {
  using Staged = typename Math::Staged;
  constexpr int kChannels = Math::kBlockChannels;
  constexpr int kPositions = Math::kBlockPositions;
  constexpr int kWords = Math::kReductionWords;
  constexpr int kPack = Math::kPack;
  constexpr int kReduction = kWords * kPack;  // input channels per stage
  constexpr int kThreads = Math::kThreads;
  constexpr int kWeightLoads = kChannels * kWords / kThreads;  // words per thread and stage
  constexpr int kInputLoads = kPositions * kWords / kThreads;
  static_assert(kThreads % kChannels == 0, "a thread's staged weights share one channel column");
  static_assert(kThreads % kPositions == 0, "a thread's staged inputs share one position column");

  // Dynamic shared memory: four stages of some tiles pass the 48 KiB of static storage.
  extern __shared__ __align__(16) unsigned char shared_memory[];
  auto& shared = gemm_shared_storage<Math>(shared_memory);

  const int thread = static_cast<int>(threadIdx.x);
  const detail::PhaseGeometry& geometry = params.geometry;

  // The staging slots of this thread: slot i of the weights is word row
  // weight_row + i * kWeightRowStep of column weight_column, that is input channels
  // (weight_row + i * kWeightRowStep) * kPack + p of the chunk, p < kPack; likewise for the
  // inputs. Columns are output channels or positions of the tile.
  constexpr int kWeightRowStep = kThreads / kChannels;
  constexpr int kInputRowStep = kThreads / kPositions;
  const int weight_column = thread % kChannels, weight_row = thread / kChannels;
  const int input_column = thread % kPositions, input_row = thread / kPositions;

  if constexpr (kSplit && !block::kClusters) {
    __trap();  // never launched: the host finds no clusters for such a build
  }
  // Consecutive blocks of a split launch make up a cluster and share its tiles.
  const int splits = kSplit ? params.splits : 1;
  const int split = kSplit ? static_cast<int>(blockIdx.x % static_cast<unsigned int>(splits)) : 0;
  const int64_t tile_step = gridDim.x / static_cast<unsigned int>(splits);
  for (int64_t tile = blockIdx.x / static_cast<unsigned int>(splits); tile < params.total_tiles;
       tile += tile_step) {
    GemmTilePlace place;
    if (!place_tile<kChannels, kPositions, kStraddles>(params, tile, place)) continue;
    const int64_t group = place.group, channel_begin = place.channel_begin;
    const int64_t m_begin = place.m_begin;
    const detail::Phase& phase = place.phase;
    // This thread's input column: its batch entry, and its position in x counted from the
    // window's start (input_column, unless the tile straddles entries; less than a tile in size).
    const GemmTileColumn input_place = tile_column<kStraddles>(params, place, input_column);
    const bool input_column_valid = !kStraddles || input_place.n < params.batch;
    const int input_shift =
        kStraddles ? static_cast<int>(input_place.local_m - place.first_local_m) : input_column;

    const detail::WeightLayout& layout = params.weights;
    const int64_t w_row_stride = layout.in_channel;  // one input channel
    const bool weight_column_valid = channel_begin + weight_column < params.out_per_group;
    const int64_t channel_chunks = (params.in_per_group + kReduction - 1) / kReduction;
    // This block's chunks of the input channels: all, or its part of a split reduction (never
    // empty: the host splits into at most channel_chunks parts).
    int64_t first_chunk = 0, chunks = channel_chunks;
    if constexpr (kSplit) {
      first_chunk = split * params.split_chunks;
      const int64_t rest = channel_chunks - first_chunk;
      chunks = rest < params.split_chunks ? rest : params.split_chunks;
    }
    const int64_t first_channel_of_split = first_chunk * kReduction;
    const int64_t stages = chunks * phase.tap_count;
    const bool full_channel_tile = channel_begin + kChannels <= params.out_per_group;

    // The next stage to load: input-channel chunk ci, tap number tap, this thread's first
    // weight and input slot in it, and where the block's input window starts (positions
    // window .. window + kPositions - 1 of x, in the first column's entry; a thread's input
    // column is window + input_shift of its own entry). Stages run chunk by chunk, the phase's
    // taps inside each: a tap moves the weights one tap of the layout on and the window
    // offset_step back; the next chunk moves both kReduction channels on and back to tap 0. So
    // a stage costs a few additions, not its place worked out afresh with 64-bit multiplies.
    // (After the last stage the cursor points one stage past the tensors; never dereferenced.)
    struct StageCursor {
      int64_t ci, tap;
      const T* weights;
      const T* inputs;
      int64_t window;
    };
    const int64_t first_window = m_begin - phase.first_offset;
    StageCursor next{
        first_channel_of_split, 0,
        params.w + layout.base(group, phase.first_tap) +
            (first_channel_of_split + weight_row * kPack) * w_row_stride +
            (channel_begin + (weight_column_valid ? weight_column : 0)) * layout.out_channel,
        params.x +
            ((input_column_valid ? input_place.n : 0) * params.in_channels +
             group * params.in_per_group + first_channel_of_split + input_row * kPack) *
                params.in_length +
            first_window + input_shift,
        first_window};
    auto advance = [&] {
      const int64_t offset_step = geometry.offset_step;
      if (++next.tap == phase.tap_count) {
        const int64_t taps_back = phase.tap_count - 1;
        next.tap = 0;
        next.ci += kReduction;
        next.weights += kReduction * w_row_stride - taps_back * layout.tap;
        next.inputs += kReduction * params.in_length + taps_back * offset_step;
        next.window += taps_back * offset_step;
      } else {
        next.weights += layout.tap;
        next.inputs -= offset_step;
        next.window -= offset_step;
      }
    };
    // Whether the whole stage lies inside the tensors (rows, channels and input window: the
    // usual case, copied without per-element checks; the test is uniform across the block).
    // Never in a straddling tile, whose window spans entries: each of its copies is checked.
    auto stage_full = [&] {
      return !kStraddles && next.ci + kReduction <= params.in_per_group && full_channel_tile &&
             next.window >= 0 && next.window + kPositions <= params.in_length;
    };
    auto weight_valid = [&](int i, int p) {
      const int row = (weight_row + i * kWeightRowStep) * kPack + p;
      return weight_column_valid && next.ci + row < params.in_per_group;
    };
    auto input_valid = [&](int i, int p) {
      const int row = (input_row + i * kInputRowStep) * kPack + p;
      const int64_t t = next.window + input_shift;
      return input_column_valid && t >= 0 && t < params.in_length &&
             next.ci + row < params.in_per_group;
    };

    typename Math::Accumulators accumulators;
    Math::clear(accumulators);

    if constexpr (Math::kCopyAsync) {
      static_assert(kPack == 1 && sizeof(typename Math::Word) == sizeof(T),
                    "asynchronous copies move elements as they are");
      constexpr int kStages = Math::kStages;
      // Weights in 16-byte chunks where the layout allows (layout.chunked: the packed rows):
      // one copy where element copies take 16 / sizeof(T). A thread's chunks lie in one column
      // of chunks of the stage, kChunkRowStep rows apart; where the stage has fewer chunks than
      // the block threads, the threads past them copy none.
      constexpr int kChunk = 16 / static_cast<int>(sizeof(T));  // elements per chunk
      constexpr int kChunkColumns = kChannels / kChunk;
      constexpr int kChunks = kChunkColumns * kWords;
      constexpr int kChunkLoads = (kChunks + kThreads - 1) / kThreads;
      constexpr int kChunkRowStep = kThreads / kChunkColumns;
      static_assert(kChannels % kChunk == 0 && kThreads % kChunkColumns == 0,
                    "a thread's weight chunks share one chunk column");
      static_assert(sizeof(shared.stages[0].weights[0]) % 16 == 0,
                    "weight rows of the stage start on 16-byte boundaries");
      const bool chunked = layout.chunked;
      const int chunk_column = thread % kChunkColumns, chunk_row = thread / kChunkColumns;
      const bool chunk_column_valid = channel_begin + chunk_column * kChunk < params.out_per_group;
      // From this thread's first weight slot to its first chunk.
      const int64_t chunk_delta =
          chunk_row * w_row_stride + (chunk_column_valid ? chunk_column * kChunk : 0) -
          (weight_row * w_row_stride + (weight_column_valid ? weight_column : 0));
      auto chunk_row_copies = [&](int i) {  // the stage has the row of this thread's chunk i
        return kChunks % kThreads == 0 || chunk_row + i * kChunkRowStep < kWords;
      };

      // Copies of the next stage into `stage`; zeros outside the tensors.
      auto copy_stage = [&](typename Math::Stage& stage) {
        const T* const weights = chunked ? next.weights + chunk_delta : next.weights;
        const T* const inputs = next.inputs;
        auto weight_slot_at = [&](int i) -> typename Math::Word& {
          return stage.weights[weight_row + i * kWeightRowStep][weight_column];
        };
        auto chunk_slot_at = [&](int i) -> typename Math::Word& {
          return stage.weights[chunk_row + i * kChunkRowStep][chunk_column * kChunk];
        };
        auto input_slot_at = [&](int i) -> typename Math::Word& {
          return stage.inputs[input_row + i * kInputRowStep][input_column];
        };
        const bool full = stage_full();
        if (chunked) {
#pragma unroll
          for (int i = 0; i < kChunkLoads; ++i) {
            if (!chunk_row_copies(i)) continue;
            const bool valid = full || (chunk_column_valid &&
                                        next.ci + chunk_row + i * kChunkRowStep <
                                            params.in_per_group);
            thread::copy_async<16>(&chunk_slot_at(i),
                                   valid ? weights + i * kChunkRowStep * w_row_stride : params.w,
                                   valid);
          }
        } else if (full) {
#pragma unroll
          for (int i = 0; i < kWeightLoads; ++i) {
            thread::copy_async<sizeof(T)>(&weight_slot_at(i),
                                          weights + i * kWeightRowStep * w_row_stride, true);
          }
        } else {
#pragma unroll
          for (int i = 0; i < kWeightLoads; ++i) {
            const bool valid = weight_valid(i, 0);
            thread::copy_async<sizeof(T)>(
                &weight_slot_at(i), valid ? weights + i * kWeightRowStep * w_row_stride : params.w,
                valid);
          }
        }
        if (full) {
#pragma unroll
          for (int i = 0; i < kInputLoads; ++i) {
            thread::copy_async<sizeof(T)>(
                &input_slot_at(i), inputs + i * kInputRowStep * params.in_length, true);
          }
        } else {
#pragma unroll
          for (int i = 0; i < kInputLoads; ++i) {
            const bool valid = input_valid(i, 0);
            thread::copy_async<sizeof(T)>(
                &input_slot_at(i), valid ? inputs + i * kInputRowStep * params.in_length : params.x,
                valid);
          }
        }
      };
      async_pipeline<kStages>(
          stages,
          [&](int buffer) {
            copy_stage(shared.stages[buffer]);
            advance();
          },
          [&](int buffer) { Math::multiply(shared.stages[buffer], accumulators, thread); });
    } else {
      Staged weight_staging[kWeightLoads][kPack];
      Staged input_staging[kInputLoads][kPack];
      // Global loads of stage (ci, tap) into this thread's staging registers; zeros outside the
      // tensors.
      auto load_stage = [&] {
        const T* const weights = next.weights;
        const T* const inputs = next.inputs;
        auto weight_address = [&](int i, int p) {
          return weights + (i * kWeightRowStep * kPack + p) * w_row_stride;
        };
        auto input_address = [&](int i, int p) {
          return inputs + (i * kInputRowStep * kPack + p) * params.in_length;
        };
        if (stage_full()) {
#pragma unroll
          for (int i = 0; i < kWeightLoads; ++i) {
#pragma unroll
            for (int p = 0; p < kPack; ++p) weight_staging[i][p] = Math::load(weight_address(i, p));
          }
#pragma unroll
          for (int i = 0; i < kInputLoads; ++i) {
#pragma unroll
            for (int p = 0; p < kPack; ++p) input_staging[i][p] = Math::load(input_address(i, p));
          }
          return;
        }
#pragma unroll
        for (int i = 0; i < kWeightLoads; ++i) {
#pragma unroll
          for (int p = 0; p < kPack; ++p) {
            weight_staging[i][p] = weight_valid(i, p) ? Math::load(weight_address(i, p)) : Staged{};
          }
        }
#pragma unroll
        for (int i = 0; i < kInputLoads; ++i) {
#pragma unroll
          for (int p = 0; p < kPack; ++p) {
            input_staging[i][p] = input_valid(i, p) ? Math::load(input_address(i, p)) : Staged{};
          }
        }
      };
      auto store_stage = [&](int buffer) {
#pragma unroll
        for (int i = 0; i < kWeightLoads; ++i) {
          shared.stages[buffer].weights[weight_row + i * kWeightRowStep][weight_column] =
              Math::pack(weight_staging[i]);
        }
#pragma unroll
        for (int i = 0; i < kInputLoads; ++i) {
          shared.stages[buffer].inputs[input_row + i * kInputRowStep][input_column] =
              Math::pack(input_staging[i]);
        }
      };
      if (stages > 0) {
        load_stage();
        store_stage(0);
        advance();
      }
      __syncthreads();
      for (int64_t stage = 0; stage < stages; ++stage) {
        const int buffer = static_cast<int>(stage & 1);
        const bool has_next = stage + 1 < stages;
        if (has_next) load_stage();  // in flight while this stage is multiplied
        Math::multiply(shared.stages[buffer], accumulators, thread);
        if (has_next) {
          store_stage(buffer ^ 1);
          advance();
        }
        __syncthreads();
      }
    }

    if constexpr (kSplit) {
      store_split_tile<kStraddles, Math>(params, place, accumulators, thread, split, shared);
    } else {
      store_tile<kStraddles, Math>(params, place, accumulators, thread, shared);
    }
  }
}

}  // namespace convt1d::kernel
