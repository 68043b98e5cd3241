// The direct kernel: for groups with few channels (many input channels to few outputs, tiny
// channel counts), where a GEMM tile would be mostly padding. Groups of one to three input
// channels take the window kernel (window_kernel.cuh) where its windows fit; this kernel has the
// rest of them (strides above kMaxWindowStride, taps that span too many inputs).
//
// Mapping. Write output position j + padding = m * stride + r (docs/design.md). Tap k reaches
// phase r_k = (k * dilation) mod stride, from input t = m - q_k with q_k = floor(k * dilation /
// stride). A block owns params.tile_steps x lanes consecutive values of m of one (batch, output
// channel) row (every phase of each), in steps of `lanes` (kThreads / params.slices) values, one
// a lane. Its threads are params.slices slices of `lanes` threads, each slice summing its own
// share of the group's input channels: for each tap, sum over its ci of x[ci, m - q_k] *
// w[ci, co, k] into its partial output (m, r_k) (taps outer, in kPartials chains of channels; a
// step inside the row with the kernel size fixed at compile time sums channels outer, one chain
// a tap, so that a channel's taps find their inputs in L1). The slices' partial outputs are
// added in slice order before the store, so there are no atomics and the result does not
// depend on timing.
// One slice (kPositionsPerThread steps of kThreads) is the rule; layers too small to fill the
// GPU split the channels over up to kMaxDirectSlices slices (detail::direct_slices()), so that
// each thread's chain of dependent loads is that much shorter. Taps that reach no output are
// never visited, and warps read x[m - q_k] coalesced.
//
// Shared memory: the weights of the row's output channel, w[group's ci, co, 0 .. K), in the
// accumulator type (the weight cache); the (r_k, q_k) table of the taps; and the partial outputs
// of one step, lanes values of m x stride phases per slice, laid out by (slice, r, m) for the
// accumulation and read back by j so that they leave in contiguous, coalesced stores (slices x
// stride at most kMaxStagedStride rows). Strides above kMaxStagedStride, and taps whose input
// offsets q_k pass 2^31 (the table's 32 bits), skip the staging (and run one slice):
// detail::direct_stages(). Each thread then computes its outputs one phase at a time and stores
// them directly.
//
// kKernelSize > 0 fixes the kernel size at compile time, which unrolls the tap loop; 0 reads it
// from the parameters.
#pragma once

#include <cstdint>

#include "../detail/element.cuh"
#include "../detail/fast_divmod.hpp"
#include "../tile_config.hpp"
#include "conv_params.cuh"

namespace convt1d::kernel {

inline constexpr int kMaxStagedStride = 16;
inline constexpr int kMaxDirectSlices = 8;

// Where tap k lands: phase r_k and input offset q_k (t = m - q_k).
struct DirectTapEntry {
  int32_t phase;
  int32_t offset;
};

template <class T>
struct DirectParams : ConvParams<T> {
  int64_t first_m = 0;          // smallest m with an output position j >= 0
  int64_t m_count = 0;          // values of m with at least one output in [0, out_length)
  int64_t row_tiles = 0;        // tiles of tile_steps x lanes values of m along one output row
  int64_t total_tiles = 0;      // batch x out_channels x row_tiles
  int64_t tiles_per_block = 0;  // each block takes a contiguous run of tiles
  int64_t max_tap_offset = 0;   // q of the last tap: (K - 1) * dilation / stride
  bool staged = false;  // partial outputs staged in shared memory (detail::direct_stages())
  detail::FastDivmod by_stride;  // valid when staged
  // Tile and tap numbers in 32 bits (narrow: total_tiles and (K - 1) * dilation below 2^31, as
  // in every layer short of billions of outputs): a tile's row, channel and group by
  // multiplications rather than 64-bit divisions (a fifth of a small layer's instructions).
  bool narrow = false;
  detail::FastDivmod by_row_tiles, by_out_channels, by_out_per_group;  // valid when narrow
  detail::FastDivmod by_kernel_size;  // the weight cache's index (below kDirectMaxWeights)
  int32_t slices = 1;            // a power of two; slices x stride <= kMaxStagedStride if > 1
  int32_t lane_bits = 0;         // log2(kThreads / slices)
  int32_t tile_steps = 0;        // steps of kThreads / slices values of m a tile
};

template <class Acc, class Tile>
struct DirectSharedLayout {
  // Row pitch of the output staging area: one more than kThreads, so that both the writes (by
  // m) and the reads (by j) of a warp fall in distinct banks.
  static constexpr int kStagePitch = Tile::kThreads + 1;
  static constexpr size_t kStageBytes = sizeof(Acc) * kStagePitch * kMaxStagedStride;
  static constexpr size_t kWeightOffset = kStageBytes;

  static constexpr CONVT1D_HOST_DEVICE size_t tap_table_offset(int64_t in_per_group, int64_t kernel_size) {
    return (kWeightOffset + sizeof(Acc) * static_cast<size_t>(in_per_group * kernel_size) + 7) /
           8 * 8;
  }
  static constexpr CONVT1D_HOST_DEVICE size_t bytes(int64_t in_per_group, int64_t kernel_size) {
    return tap_table_offset(in_per_group, kernel_size) +
           sizeof(DirectTapEntry) * static_cast<size_t>(kernel_size);
  }
};

template <class T, class Tile, int kKernelSize, bool kSliced>
__global__ void __launch_bounds__(Tile::kThreads)
    direct_kernel(const __grid_constant__ DirectParams<T> params) {
  using Acc = detail::accumulator_t<T>;
  using Layout = DirectSharedLayout<Acc, Tile>;
  const detail::PhaseGeometry& geometry = params.geometry;
  const int64_t kernel_size = kKernelSize > 0 ? kKernelSize : params.kernel_size;
  const int64_t in_per_group = params.in_per_group;

  extern __shared__ __align__(16) unsigned char shared_bytes[];
  auto* stage = reinterpret_cast<Acc*>(shared_bytes);
  auto* weights = reinterpret_cast<Acc*>(shared_bytes + Layout::kWeightOffset);
  auto* taps = reinterpret_cast<DirectTapEntry*>(
      shared_bytes + Layout::tap_table_offset(in_per_group, kernel_size));

  const int thread = static_cast<int>(threadIdx.x);
  // Without slices (kSliced false) these are compile-time constants: one slice of kThreads lanes.
  const int slices = kSliced ? params.slices : 1;
  const int lanes = kSliced ? 1 << params.lane_bits : Tile::kThreads;
  const int lane = kSliced ? thread & (lanes - 1) : thread;
  const int slice = kSliced ? thread >> params.lane_bits : 0;
  const int tile_steps = kSliced ? params.tile_steps : Tile::kPositionsPerThread;
  // This slice's input channels: [channel_begin, channel_begin + channel_count). slices is a
  // power of two, kThreads / lanes.
  const int slice_bits = kSliced ? Tile::kThreadBits - params.lane_bits : 0;
  const int64_t channel_begin = (slice * in_per_group) >> slice_bits;
  const int64_t channel_count = (((slice + 1) * in_per_group) >> slice_bits) - channel_begin;
  const bool staged = params.staged;
  if (staged) {
    for (int64_t k = thread; k < kernel_size; k += Tile::kThreads) {
      const int64_t reach = k * geometry.dilation;
      // Staged: by_stride is valid, and every offset fits the table's 32 bits.
      const int64_t offset = params.narrow ? params.by_stride.quotient(static_cast<int32_t>(reach))
                                           : reach / geometry.stride;
      taps[k] = {static_cast<int32_t>(reach - offset * geometry.stride),
                 static_cast<int32_t>(offset)};
    }
  }

  const int64_t first_tile = blockIdx.x * params.tiles_per_block;
  const int64_t end_tile = first_tile + params.tiles_per_block < params.total_tiles
                               ? first_tile + params.tiles_per_block
                               : params.total_tiles;
  int64_t cached_channel = -1;
  for (int64_t tile = first_tile; tile < end_tile; ++tile) {
    int64_t row, n, group;  // row = n * out_channels + channel
    if (params.narrow) {
      row = params.by_row_tiles.quotient(static_cast<int32_t>(tile));
      n = params.by_out_channels.quotient(static_cast<int32_t>(row));
    } else {
      row = tile / params.row_tiles;
      n = row / params.out_channels;
    }
    const int64_t row_tile = tile - row * params.row_tiles;
    const int64_t channel = row - n * params.out_channels;
    if (params.narrow) {
      group = params.by_out_per_group.quotient(static_cast<int32_t>(channel));
    } else {
      group = channel / params.out_per_group;
    }
    const int64_t co = channel - group * params.out_per_group;

    if (channel != cached_channel) {  // uniform across the block
      __syncthreads();                // the previous channel's weights are no longer read
      const T* w_channel =
          params.w + (group * in_per_group * params.out_per_group + co) * kernel_size;
      for (int i = thread; i < in_per_group * kernel_size; i += Tile::kThreads) {
        const int ci = params.by_kernel_size.quotient(i);
        const int k = i - ci * static_cast<int>(kernel_size);
        weights[i] =
            detail::load_as_accumulator(w_channel + ci * params.out_per_group * kernel_size + k);
      }
      cached_channel = channel;
      __syncthreads();
    }

    const Acc bias =
        params.bias != nullptr ? detail::load_as_accumulator(params.bias + channel) : Acc(0);
    const T* x_group = params.x + (n * params.in_channels + group * in_per_group + channel_begin) *
                                      params.in_length;
    T* y_row = params.y + row * params.out_length;
    const int64_t tile_m = params.first_m + row_tile * tile_steps * lanes;
    const int64_t end_m = params.first_m + params.m_count;

    // Tap k's contribution at input t: the sum over the group's input channels. One channel
    // (depthwise) is a single product; more are summed in kPartials independent chains, so that
    // that many loads are in flight at once.
    auto tap_sum = [&](int64_t k, int64_t t) {
      const T* x_column = x_group + t;
      const Acc* w_column = weights + channel_begin * kernel_size + k;
      if (in_per_group == 1) return detail::load_as_accumulator(x_column) * w_column[0];
      constexpr int kPartials = 8;
      Acc partial[kPartials];
#pragma unroll
      for (int u = 0; u < kPartials; ++u) partial[u] = Acc(0);
      int64_t ci = 0;
      for (; ci + kPartials <= channel_count; ci += kPartials) {
#pragma unroll
        for (int u = 0; u < kPartials; ++u) {
          partial[u] += detail::load_as_accumulator(x_column) * w_column[0];
          x_column += params.in_length;
          w_column += kernel_size;
        }
      }
      for (; ci < channel_count; ++ci) {
        partial[0] += detail::load_as_accumulator(x_column) * w_column[0];
        x_column += params.in_length;
        w_column += kernel_size;
      }
      Acc sum = Acc(0);
#pragma unroll
      for (int u = 0; u < kPartials; ++u) sum += partial[u];
      return sum;
    };

    for (int step = 0; step < tile_steps; ++step) {
      const int64_t step_m = tile_m + step * lanes;  // uniform across the block
      if (step_m >= end_m) break;
      const int64_t m = step_m + lane;
      if (staged) {
        const int stride = static_cast<int>(geometry.stride);
        // Partial output (m, r) at my_outputs[r * kStagePitch]; the bias in slice 0's.
        Acc* my_outputs = stage + slice * stride * Layout::kStagePitch + lane;
        const Acc first = slice == 0 ? bias : Acc(0);
        for (int r = 0; r < stride; ++r) my_outputs[r * Layout::kStagePitch] = first;
        // Inside the input (every tap of every m of this step reads x in range, the usual case
        // away from the ends of a row) the taps need no bounds checks; the test is uniform.
        const bool interior = step_m - params.max_tap_offset >= 0 &&
                              step_m + lanes <= params.in_length && step_m + lanes <= end_m;
        if (interior) {
          if constexpr (kKernelSize > 0 && !kSliced) {
            // Channels outer, taps inner: a channel's taps read neighbouring inputs, which the
            // next load finds in L1. Taps outer (below) read every channel's inputs again for each
            // tap, from L2 where a block's inputs pass L1 (rows of 64 float channels: 1.5-2.1x
            // slower on long rows, H200, docs/tuning.md, T23). Kernel sizes known at compile time
            // only: in chunks of run-time taps, K 31 ran 1.9x slower than taps outer.
            Acc sum[kKernelSize];
            int32_t offset[kKernelSize];
#pragma unroll
            for (int k = 0; k < kKernelSize; ++k) {
              sum[k] = Acc(0);
              offset[k] = taps[k].offset;
            }
            const T* x_column = x_group + m;
            const Acc* w_column = weights + channel_begin * kKernelSize;
#pragma unroll 2
            for (int64_t c = 0; c < channel_count; ++c) {
#pragma unroll
              for (int k = 0; k < kKernelSize; ++k) {
                sum[k] += detail::load_as_accumulator(x_column - offset[k]) * w_column[k];
              }
              x_column += params.in_length;
              w_column += kKernelSize;
            }
#pragma unroll
            for (int k = 0; k < kKernelSize; ++k) {
              my_outputs[taps[k].phase * Layout::kStagePitch] += sum[k];
            }
          } else {
#pragma unroll
            for (int64_t k = 0; k < kernel_size; ++k) {
              const DirectTapEntry tap = taps[k];
              my_outputs[tap.phase * Layout::kStagePitch] += tap_sum(k, m - tap.offset);
            }
          }
        } else if (m < end_m) {
#pragma unroll
          for (int64_t k = 0; k < kernel_size; ++k) {
            const DirectTapEntry tap = taps[k];
            const int64_t t = m - tap.offset;
            if (t >= 0 && t < params.in_length) {
              my_outputs[tap.phase * Layout::kStagePitch] += tap_sum(k, t);
            }
          }
        }
        __syncthreads();
        // Store by j: lanes * stride consecutive outputs from j = step_m * stride - padding,
        // each the sum of the slices' partial outputs in slice order.
        const int64_t step_j = step_m * geometry.stride - geometry.padding;
        for (int local = thread; local < lanes * stride; local += Tile::kThreads) {
          const int local_m = params.by_stride.quotient(local);
          const int r = local - local_m * stride;
          const int64_t j = step_j + local;
          if (j >= 0 && j < params.out_length && step_m + local_m < end_m) {
            const Acc* partials = stage + r * Layout::kStagePitch + local_m;
            Acc sum = partials[0];
            for (int s = 1; s < slices; ++s) {
              sum += partials[s * stride * Layout::kStagePitch];
            }
            y_row[j] = detail::from_accumulator<T>(sum);
          }
        }
        __syncthreads();
      } else if (m < end_m) {
        for (int64_t r = 0; r < geometry.stride; ++r) {
          const int64_t j = m * geometry.stride + r - geometry.padding;
          if (j < 0) continue;
          if (j >= params.out_length) break;
          const detail::Phase phase = geometry.phase(r);
          Acc sum = bias;
          for (int64_t i = 0; i < phase.tap_count; ++i) {
            const int64_t t = m - phase.first_offset - i * geometry.offset_step;
            if (t >= 0 && t < params.in_length) {
              sum += tap_sum(phase.first_tap + i * geometry.tap_step, t);
            }
          }
          y_row[j] = detail::from_accumulator<T>(sum);
        }
      }
    }
  }
}

}  // namespace convt1d::kernel
