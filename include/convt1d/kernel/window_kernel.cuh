// The window kernel: the direct kernel's problems (few channels per group: depthwise, channel
// multipliers, tiny layers) with each tile's inputs staged in shared memory first, so that the
// loads are coalesced rows of x and every thread's taps read shared memory.
//
// Mapping. A block computes tiles of kWindowTileOutputs consecutive outputs j of one (batch,
// output channel) row; thread i owns outputs j0 + i + e * kWindowThreads (e <
// kWindowOutputsPerThread), so that each of a warp's stores writes 32 consecutive elements.
// Output j lies in phase r = (j + padding) mod stride at position m = (j + padding) / stride
// (docs/design.md) and sums the phase's taps only, k = k0(r) + i * tap_step over the group's input
// channels: x[ci, m - first_offset(r) - i * offset_step] * w[ci, co, k].
//
// Shared memory: the phase table (first tap, tap count and first offset of each phase), then,
// for a chunk of the group's input channels, the tile's input window x[ci, t_begin ..
// t_begin + window) (zeros outside x) and the weights w[ci, co, 0 .. K). A chunk holds as many
// input channels as fit (WindowParams::chunk; depthwise layers have one); the tile's outputs stay
// in registers across the chunks. Each thread loads kWindowBatch elements of a chunk before it
// stores any, so that a tile waits about one memory latency for its chunk, not one per element.
#pragma once

#include <cstdint>

#include "../detail/element.cuh"
#include "../detail/fast_divmod.hpp"
#include "conv_params.cuh"

namespace convt1d::kernel {

inline constexpr int kWindowThreads = 256;
inline constexpr int kWindowOutputsPerThread = 8;
inline constexpr int kWindowTileOutputs = kWindowThreads * kWindowOutputsPerThread;
inline constexpr int kWindowBatch = 8;  // staging loads a thread has in flight at once
// Largest stride the phase table serves (64 entries of 12 bytes).
inline constexpr int64_t kWindowMaxStride = 64;

struct WindowPhase {
  int32_t first_tap, tap_count, first_offset;
};

template <class T>
struct WindowParams : ConvParams<T> {
  int64_t row_tiles = 0;    // tiles along one output row
  int64_t total_tiles = 0;  // batch x out_channels x row_tiles
  int32_t window = 0;       // input positions staged per channel: the span of the longest tile
  int32_t chunk = 0;        // input channels staged at a time
  detail::FastDivmod by_stride, by_window;
};

// Where the window kernel's shared memory puts its parts: the phase table, then a chunk's
// inputs (`window` positions per channel) followed by its weights (K per channel).
template <class Acc>
struct WindowSharedLayout {
  static constexpr size_t kInputsOffset = sizeof(WindowPhase) * kWindowMaxStride;
  static constexpr size_t bytes(int64_t chunk, int64_t window, int64_t kernel_size) {
    return kInputsOffset + sizeof(Acc) * static_cast<size_t>(chunk * (window + kernel_size));
  }
};

template <class T>
__global__ void __launch_bounds__(kWindowThreads)
    window_kernel(const __grid_constant__ WindowParams<T> params) {
  using Acc = detail::accumulator_t<T>;
  using Layout = WindowSharedLayout<Acc>;
  const detail::PhaseGeometry& geometry = params.geometry;
  const int thread = static_cast<int>(threadIdx.x);
  const int window = params.window, chunk = params.chunk;
  const int kernel_size = static_cast<int>(params.kernel_size);
  const int tap_step = static_cast<int>(geometry.tap_step);
  const int offset_step = static_cast<int>(geometry.offset_step);

  extern __shared__ __align__(16) unsigned char shared_bytes[];
  auto* phases = reinterpret_cast<WindowPhase*>(shared_bytes);
  auto* inputs = reinterpret_cast<Acc*>(shared_bytes + Layout::kInputsOffset);

  for (int r = thread; r < geometry.stride; r += kWindowThreads) {
    const detail::Phase phase = geometry.phase(r);
    phases[r] = {static_cast<int32_t>(phase.first_tap), static_cast<int32_t>(phase.tap_count),
                 static_cast<int32_t>(phase.first_offset)};
  }

  for (int64_t tile = blockIdx.x; tile < params.total_tiles; tile += gridDim.x) {
    const int64_t row = tile / params.row_tiles;  // n * out_channels + channel
    const int64_t j_begin = (tile - row * params.row_tiles) * kWindowTileOutputs;
    const int64_t channel = row % params.out_channels;
    const int64_t n = row / params.out_channels;
    const int64_t group = channel / params.out_per_group;
    const int64_t co = channel - group * params.out_per_group;
    // The first input any output of the tile reads: its first output through the last tap.
    const int64_t t_begin = detail::floor_div(
        j_begin + geometry.padding - (geometry.kernel_size - 1) * geometry.dilation, geometry.stride);

    __syncthreads();  // the phase table is written; the previous tile's chunk is no longer read
    // This thread's outputs: where tap 0 of each reads in the window, its phase's taps, its sum.
    int base[kWindowOutputsPerThread];
    WindowPhase phase[kWindowOutputsPerThread];
    Acc sum[kWindowOutputsPerThread];
    const Acc bias =
        params.bias != nullptr ? detail::load_as_accumulator(params.bias + channel) : Acc(0);
#pragma unroll
    for (int e = 0; e < kWindowOutputsPerThread; ++e) {
      // j + padding < 2^31 (the dispatcher checked the row's length), so 32-bit division holds.
      const int local = thread + e * kWindowThreads;
      const int32_t shifted = static_cast<int32_t>(j_begin + geometry.padding) + local;
      const int32_t m = params.by_stride.quotient(shifted);
      phase[e] = phases[shifted - m * static_cast<int32_t>(geometry.stride)];
      if (j_begin + local >= params.out_length) phase[e].tap_count = 0;
      base[e] = m - phase[e].first_offset - static_cast<int32_t>(t_begin);
      sum[e] = bias;
    }

    const T* x_group =
        params.x + (n * params.in_channels + group * params.in_per_group) * params.in_length;
    const T* w_channel = params.w + (group * params.in_per_group * params.out_per_group + co) *
                                        params.kernel_size;
    for (int64_t chunk_begin = 0; chunk_begin < params.in_per_group; chunk_begin += chunk) {
      const int channels = static_cast<int>(
          params.in_per_group - chunk_begin < chunk ? params.in_per_group - chunk_begin : chunk);
      if (chunk_begin > 0) __syncthreads();  // the previous chunk is no longer read
      // The chunk's inputs, then its weights, as one run of shared-memory slots (the weights
      // follow the inputs), kWindowBatch loads per thread in flight before their stores.
      const int input_slots = channels * window;
      const int slots = input_slots + channels * kernel_size;
      for (int batch = 0; batch < slots; batch += kWindowThreads * kWindowBatch) {
        Acc staged[kWindowBatch];
#pragma unroll
        for (int b = 0; b < kWindowBatch; ++b) {
          const int slot = batch + b * kWindowThreads + thread;
          staged[b] = Acc(0);
          if (slot < input_slots) {
            const int c = params.by_window.quotient(slot);
            const int64_t t = t_begin + (slot - c * window);
            if (t >= 0 && t < params.in_length) {
              staged[b] = detail::load_as_accumulator(x_group + (chunk_begin + c) * params.in_length + t);
            }
          } else if (slot < slots) {
            const int c = (slot - input_slots) / kernel_size;
            const int k = slot - input_slots - c * kernel_size;
            staged[b] = detail::load_as_accumulator(
                w_channel + (chunk_begin + c) * params.out_per_group * params.kernel_size + k);
          }
        }
#pragma unroll
        for (int b = 0; b < kWindowBatch; ++b) {
          const int slot = batch + b * kWindowThreads + thread;
          if (slot < slots) inputs[slot] = staged[b];
        }
      }
      __syncthreads();
#pragma unroll
      for (int e = 0; e < kWindowOutputsPerThread; ++e) {
        for (int c = 0; c < channels; ++c) {
          const Acc* input = inputs + c * window + base[e];
          const Acc* weight = inputs + channels * window + c * kernel_size + phase[e].first_tap;
          for (int i = 0; i < phase[e].tap_count; ++i) {
            sum[e] += input[-i * offset_step] * weight[i * tap_step];
          }
        }
      }
    }

    T* y_row = params.y + row * params.out_length + j_begin;
#pragma unroll
    for (int e = 0; e < kWindowOutputsPerThread; ++e) {
      const int local = thread + e * kWindowThreads;
      if (j_begin + local < params.out_length) y_row[local] = detail::from_accumulator<T>(sum[e]);
    }
  }
}

}  // namespace convt1d::kernel
