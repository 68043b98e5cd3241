// The phase-GEMM kernel: the general path for groups with many channels.
//
// Mapping. Within one phase r (docs/design.md) the transposed convolution is a GEMM:
//   y[co, m] = bias[co] + sum over (ci, tap i) of w[ci, co, k0 + i * tap_step] * x[ci, m - off_i],
// rows = output channels of the group, columns = positions m of the phase, reduction =
// input channels x taps of the phase (only taps that reach the phase: no wasted FMAs).
// A block computes one tile: Tile::kBlockChannels channels x Tile::kBlockPositions positions of
// one (batch, group, phase). Each thread owns kThreadChannels x kThreadPositions accumulators:
// kThreadChannels consecutive channels, and its positions in runs of 4 consecutive ones.
//
// Shared memory, per stage: the weight slice w[ci0 .. ci0 + kBlockReduction, co tile, k_i]
// (the weight cache) and the input window x[ci0 .. ci0 + kBlockReduction, m tile - off_i],
// both stored as [reduction][channel or position] in the accumulator type. Two stages: while
// the block multiplies one, each thread holds its loads of the next in registers.
//
// Loop order: input-channel chunks outer, taps of the phase inner, so consecutive stages read the
// same input rows (shifted) and the same weight rows (next tap) and find them in L1.
#pragma once

#include <cstdint>

#include "../detail/element.cuh"
#include "../tile_config.hpp"
#include "conv_params.cuh"

namespace convt1d::kernel {

template <class T>
struct GemmParams : ConvParams<T> {
  int64_t channel_tiles = 0;   // tiles over the output channels of one group
  int64_t position_tiles = 0;  // tiles over the positions of the longest phase
  int64_t total_tiles = 0;     // batch x groups x stride x position_tiles x channel_tiles
};

template <class Acc, class Tile>
struct GemmSharedStorage {
  alignas(16) Acc weights[2][Tile::kBlockReduction][Tile::kBlockChannels];
  alignas(16) Acc inputs[2][Tile::kBlockReduction][Tile::kBlockPositions];
};

namespace gemm_detail {

// Four consecutive values from 16-byte-aligned shared memory, in as few reads as the type allows.
template <class Acc>
__device__ __forceinline__ void load_four(const Acc* source, Acc* destination) {
  if constexpr (sizeof(Acc) == 4) {
    const float4 v = *reinterpret_cast<const float4*>(source);
    destination[0] = v.x, destination[1] = v.y, destination[2] = v.z, destination[3] = v.w;
  } else {
    const double2 low = *reinterpret_cast<const double2*>(source);
    const double2 high = *reinterpret_cast<const double2*>(source + 2);
    destination[0] = low.x, destination[1] = low.y, destination[2] = high.x, destination[3] = high.y;
  }
}

}  // namespace gemm_detail

template <class T, class Tile>
__global__ void __launch_bounds__(Tile::kThreads, sizeof(detail::accumulator_t<T>) == 4
                                                      ? Tile::kMinBlocksPerMultiprocessor
                                                      : 1)
    gemm_kernel(const __grid_constant__ GemmParams<T> params) {
  using Acc = detail::accumulator_t<T>;
  constexpr int kChannels = Tile::kBlockChannels;
  constexpr int kPositions = Tile::kBlockPositions;
  constexpr int kReduction = Tile::kBlockReduction;
  constexpr int kWeightLoads = kChannels * kReduction / Tile::kThreads;
  constexpr int kInputLoads = kPositions * kReduction / Tile::kThreads;
  static_assert(Tile::kThreads % kChannels == 0,
                "a thread's staged weights share one channel column");
  static_assert(Tile::kThreads % kPositions == 0,
                "a thread's staged inputs share one position column");

  __shared__ GemmSharedStorage<Acc, Tile> shared;

  const int thread = static_cast<int>(threadIdx.x);
  const int position_thread = thread % Tile::kPositionThreads;
  const int channel_thread = thread / Tile::kPositionThreads;
  const detail::PhaseGeometry& geometry = params.geometry;

  // The staging slots of this thread: slot i of the weights is row weight_row + i * kWeightRowStep
  // of column weight_column; likewise for the inputs. Rows are reduction indices (input channels
  // of the chunk), columns are output channels or positions of the tile.
  constexpr int kWeightRowStep = Tile::kThreads / kChannels;
  constexpr int kInputRowStep = Tile::kThreads / kPositions;
  const int weight_column = thread % kChannels, weight_row = thread / kChannels;
  const int input_column = thread % kPositions, input_row = thread / kPositions;

  for (int64_t tile = blockIdx.x; tile < params.total_tiles; tile += gridDim.x) {
    // Tile order: phase fastest, so that blocks writing the interleaved phases of one stretch of
    // output run together and L2 merges their partial-sector writes; then channel tiles, which
    // share one input window.
    int64_t rest = tile;
    const int64_t r = rest % geometry.stride;
    rest /= geometry.stride;
    const int64_t channel_tile = rest % params.channel_tiles;
    rest /= params.channel_tiles;
    const int64_t position_tile = rest % params.position_tiles;
    rest /= params.position_tiles;
    const int64_t group = rest % params.groups;
    const int64_t n = rest / params.groups;

    const detail::Phase phase = geometry.phase(r);
    const int64_t first_local_m = position_tile * kPositions;
    if (first_local_m >= phase.m_count) continue;  // a shorter phase: the whole block skips
    const int64_t m_begin = phase.first_m + first_local_m;
    const int64_t channel_begin = channel_tile * kChannels;

    const int64_t w_row_stride = params.out_per_group * params.kernel_size;  // one input channel
    const int64_t weight_channel = channel_begin + weight_column;
    const bool weight_column_valid = weight_channel < params.out_per_group;
    const T* weight_source = params.w + (group * params.in_per_group + weight_row) * w_row_stride +
                             (weight_column_valid ? weight_channel : 0) * params.kernel_size;
    const T* input_source =
        params.x + (n * params.in_channels + group * params.in_per_group + input_row) *
                       params.in_length;
    const int64_t input_window_begin = m_begin - phase.first_offset + input_column;

    const int64_t channel_chunks = (params.in_per_group + kReduction - 1) / kReduction;
    const int64_t stages = channel_chunks * phase.tap_count;

    Acc weight_staging[kWeightLoads];
    Acc input_staging[kInputLoads];

    // Global loads of one stage (input channels ci_begin.., tap number `tap`) into this thread's
    // staging registers; zero outside the tensors. A stage whose rows, channels and input window
    // all lie inside the tensors (the usual case) loads without per-element checks; the test is
    // uniform across the block.
    const bool full_channel_tile = channel_begin + kChannels <= params.out_per_group;
    auto load_stage = [&](int64_t ci_begin, int64_t tap) {
      const int64_t k = phase.first_tap + tap * geometry.tap_step;
      const T* weights = weight_source + ci_begin * w_row_stride + k;
      const int64_t t = input_window_begin - tap * geometry.offset_step;
      const T* inputs = input_source + ci_begin * params.in_length + t;
      const int64_t window_begin = t - input_column;
      const bool full_rows = ci_begin + kReduction <= params.in_per_group;
      if (full_rows && full_channel_tile && window_begin >= 0 &&
          window_begin + kPositions <= params.in_length) {
#pragma unroll
        for (int i = 0; i < kWeightLoads; ++i) {
          weight_staging[i] =
              detail::load_as_accumulator(weights + i * kWeightRowStep * w_row_stride);
        }
#pragma unroll
        for (int i = 0; i < kInputLoads; ++i) {
          input_staging[i] =
              detail::load_as_accumulator(inputs + i * kInputRowStep * params.in_length);
        }
        return;
      }
#pragma unroll
      for (int i = 0; i < kWeightLoads; ++i) {
        const int row = weight_row + i * kWeightRowStep;
        const bool valid = weight_column_valid && ci_begin + row < params.in_per_group;
        weight_staging[i] = valid ? detail::load_as_accumulator(weights + i * kWeightRowStep *
                                                                              w_row_stride)
                                  : Acc(0);
      }
      const bool t_valid = t >= 0 && t < params.in_length;
#pragma unroll
      for (int i = 0; i < kInputLoads; ++i) {
        const int row = input_row + i * kInputRowStep;
        const bool valid = t_valid && ci_begin + row < params.in_per_group;
        input_staging[i] =
            valid ? detail::load_as_accumulator(inputs + i * kInputRowStep * params.in_length)
                  : Acc(0);
      }
    };
    auto store_stage = [&](int buffer) {
#pragma unroll
      for (int i = 0; i < kWeightLoads; ++i) {
        shared.weights[buffer][weight_row + i * kWeightRowStep][weight_column] = weight_staging[i];
      }
#pragma unroll
      for (int i = 0; i < kInputLoads; ++i) {
        shared.inputs[buffer][input_row + i * kInputRowStep][input_column] = input_staging[i];
      }
    };

    Acc accumulators[Tile::kThreadChannels][Tile::kThreadPositions];
#pragma unroll
    for (int i = 0; i < Tile::kThreadChannels; ++i) {
#pragma unroll
      for (int j = 0; j < Tile::kThreadPositions; ++j) accumulators[i][j] = Acc(0);
    }

    // Stages run input-channel chunk by chunk, the phase's taps inside each chunk; (ci, tap)
    // names the stage whose loads are in flight.
    int64_t ci = 0, tap = 0;
    auto advance = [&] {
      if (++tap == phase.tap_count) {
        tap = 0;
        ci += kReduction;
      }
    };
    if (stages > 0) {
      load_stage(ci, tap);
      store_stage(0);
      advance();
    }
    __syncthreads();
    for (int64_t stage = 0; stage < stages; ++stage) {
      const int buffer = static_cast<int>(stage & 1);
      const bool has_next = stage + 1 < stages;
      if (has_next) load_stage(ci, tap);  // in flight while this stage is multiplied
#pragma unroll
      for (int reduction = 0; reduction < kReduction; ++reduction) {
        Acc weight_fragment[Tile::kThreadChannels];
        Acc input_fragment[Tile::kThreadPositions];
#pragma unroll
        for (int i = 0; i < Tile::kThreadChannels; i += 4) {
          gemm_detail::load_four(
              &shared.weights[buffer][reduction][channel_thread * Tile::kThreadChannels + i],
              &weight_fragment[i]);
        }
#pragma unroll
        for (int run = 0; run < Tile::kRuns; ++run) {
          gemm_detail::load_four(
              &shared.inputs[buffer][reduction]
                            [position_thread * Tile::kRun + run * Tile::kRunStride],
              &input_fragment[run * Tile::kRun]);
        }
#pragma unroll
        for (int i = 0; i < Tile::kThreadChannels; ++i) {
#pragma unroll
          for (int j = 0; j < Tile::kThreadPositions; ++j) {
            accumulators[i][j] += weight_fragment[i] * input_fragment[j];
          }
        }
      }
      if (has_next) {
        store_stage(buffer ^ 1);
        advance();
      }
      __syncthreads();
    }

    // Epilogue: bias, conversion, and the store of the phase's positions (stride apart in y).
#pragma unroll
    for (int i = 0; i < Tile::kThreadChannels; ++i) {
      const int64_t co = channel_begin + channel_thread * Tile::kThreadChannels + i;
      if (co >= params.out_per_group) continue;
      const int64_t channel = group * params.out_per_group + co;
      const Acc bias =
          params.bias != nullptr ? detail::load_as_accumulator(params.bias + channel) : Acc(0);
      T* y_row = params.y + (n * params.out_channels + channel) * params.out_length;
#pragma unroll
      for (int run = 0; run < Tile::kRuns; ++run) {
#pragma unroll
        for (int e = 0; e < Tile::kRun; ++e) {
          const int local = position_thread * Tile::kRun + run * Tile::kRunStride + e;
          if (first_local_m + local >= phase.m_count) continue;
          const int64_t j = (m_begin + local) * geometry.stride + r - geometry.padding;
          y_row[j] = detail::from_accumulator<T>(accumulators[i][run * Tile::kRun + e] + bias);
        }
      }
    }
  }
}

}  // namespace convt1d::kernel
