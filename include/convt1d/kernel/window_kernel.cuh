// The window kernel: layers of one to kMaxWindowChannels input channels a group (depthwise
// layers, channel multipliers, grouped layers of few channels). Each output sums only the taps
// of its phase over those channels, so these layers are bound by the bytes they move, not by
// their multiply-adds, and the kernel spends as few instructions an output as it can.
//
// Mapping. A tile is params.tile_outputs consecutive outputs j of one (batch, output channel)
// row. Its first params.positions threads (the largest multiple of the stride up to kThreads)
// each own the outputs j0 + t, j0 + t + positions, ... of it, so that every store of a full
// warp writes 32 consecutive outputs, and, since positions and tile_outputs are multiples of the
// stride, each thread keeps one phase r for the whole launch: j + padding = m * stride + r
// (docs/design.md), taps k = k0(r) + i * tap_step reading input t = m - offset0(r) -
// i * offset_step. The thread works its taps out once, holds their weights in registers
// (kRegisterTaps > 0: up to that many taps; 0: read from shared memory, any number), and sums
// each output alone: no atomics, no staging of outputs. A block takes a contiguous run of tiles,
// along a row and on into the next, and follows its tile's row, channel and window by additions.
//
// Shared memory: the tile's input window, x[t_lo, t_lo + window) of each of the group's input
// channels in the accumulator type, with zeros outside [0, in_length) so that no tap needs a
// bounds check, and the output channel's weights w[group's ci, co, 0 .. K). Loop order per tile:
// a barrier (the previous tile's readers are done), stage the window (and the weights when the
// channel changes), a barrier, then the outputs.
#pragma once

#include <cstdint>

#include "../detail/element.cuh"
#include "../detail/phase.hpp"
#include "conv_params.cuh"

namespace convt1d::kernel {

// The largest stride: positions (a multiple of the stride) then covers at least half the block.
inline constexpr int64_t kMaxWindowStride = 256;
// The most outputs a thread computes per tile.
inline constexpr int kMaxWindowSteps = 16;
// The most input channels a group may have (one instantiation each).
inline constexpr int kMaxWindowChannels = 3;
// The most taps a phase may have for its weights to be held in registers.
inline constexpr int kWindowRegisterTaps = 4;

template <class T>
struct WindowParams : ConvParams<T> {
  int64_t row_tiles = 0;        // tiles along one output row
  int64_t total_tiles = 0;      // batch x out_channels x row_tiles
  int64_t tiles_per_block = 0;  // each block takes a contiguous run of tiles
  // A row's first window starts at input first_window = floor((padding - reach) / stride), and
  // padding - reach = first_window * stride + first_rest.
  int64_t first_window = 0;
  int32_t first_rest = 0;
  int32_t reach = 0;         // (K - 1) * dilation: the inputs one output's taps span
  int32_t positions = 0;     // threads that compute: kThreads - kThreads % stride
  int32_t tile_outputs = 0;  // steps x positions, steps at most kMaxWindowSteps
  // Inputs a tile stages for each channel: (tile_outputs - 1 + reach) / stride + 2, enough for
  // every tap of its outputs (floor(a / s) - floor(b / s) <= floor((a - b) / s) + 1).
  int32_t window = 0;
};

// Where each of the kernel's shared-memory buffers starts, for `window` inputs of `channels`
// channels and their `kernel_size` weights, in the accumulator type Acc.
template <class Acc>
struct WindowSharedLayout {
  static constexpr CONVT1D_HOST_DEVICE size_t weight_offset(int64_t window, int64_t channels) {
    return sizeof(Acc) * static_cast<size_t>(window * channels);
  }
  static constexpr CONVT1D_HOST_DEVICE size_t bytes(int64_t window, int64_t channels,
                                                    int64_t kernel_size) {
    return weight_offset(window, channels) +
           sizeof(Acc) * static_cast<size_t>(channels * kernel_size);
  }
};

// The kernel's body; window_kernel() and window_kernel_resident() launch it.
template <class T, class Tile, int kChannels, int kRegisterTaps>
__device__ __forceinline__ void window_tiles(const WindowParams<T>& params) {
  static_assert(kChannels >= 1 && kChannels <= kMaxWindowChannels, "1 to 3 channels a group");
  static_assert(kRegisterTaps >= 0 && kRegisterTaps <= kWindowRegisterTaps,
                "0 (weights in shared memory) or up to kWindowRegisterTaps taps in registers");
  using Acc = detail::accumulator_t<T>;
  using Layout = WindowSharedLayout<Acc>;
  const detail::PhaseGeometry& geometry = params.geometry;
  const int64_t kernel_size = params.kernel_size;
  const int window = params.window;
  const int stride = static_cast<int>(geometry.stride);
  const int offset_step = static_cast<int>(geometry.offset_step);
  const int tap_step = static_cast<int>(geometry.tap_step);

  extern __shared__ __align__(16) unsigned char shared_bytes[];
  auto* inputs = reinterpret_cast<Acc*>(shared_bytes);
  auto* weights = reinterpret_cast<Acc*>(shared_bytes + Layout::weight_offset(window, kChannels));

  // This thread's phase, the same in every tile: output j0 + thread has
  // j0 + thread + padding - t_lo * stride = first_rest + reach + thread = m' * stride + r, where
  // m' = m - t_lo is the window index of its m.
  const int thread = static_cast<int>(threadIdx.x);
  const int positions = params.positions;
  const bool computes = thread < positions;
  const int position = params.first_rest + params.reach + thread;
  const int first_m = position / stride;
  const int r = position - first_m * stride;
  // Its taps as detail::PhaseGeometry::phase() finds them, in 32 bits: the stride is at most 256
  // and k0 * dilation at most the reach.
  const int common = static_cast<int>(geometry.common);
  int taps = 0, first_tap = 0, first_offset = 0;
  if (r % common == 0) {
    first_tap = (r / common) * static_cast<int>(geometry.inverse) % tap_step;
    if (first_tap < kernel_size) {
      taps = (static_cast<int>(kernel_size) - 1 - first_tap) / tap_step + 1;
      first_offset = (first_tap * static_cast<int>(geometry.dilation) - r) / stride;
    }
  }
  const int first_input = first_m - first_offset;  // tap 0's, in the window
  const int step_m = positions / stride;  // m from one of the thread's outputs to the next
  // With the weights in registers: each tap's input of the thread's first output in every
  // window, and the tap's weights (set on each new channel). Taps past the phase's are not read.
  constexpr int kHeld = kRegisterTaps > 0 ? kRegisterTaps : 1;
  const Acc* first_tap_input[kHeld];
#pragma unroll
  for (int i = 0; i < kHeld; ++i) {
    first_tap_input[i] = inputs + first_input - (i < taps ? i * offset_step : 0);
  }
  Acc held[kChannels][kHeld];

  const int64_t first_tile = blockIdx.x * params.tiles_per_block;
  const int64_t end_tile = first_tile + params.tiles_per_block < params.total_tiles
                               ? first_tile + params.tiles_per_block
                               : params.total_tiles;
  // The first tile's row (n * out_channels + channel) and place in it; the rest follow.
  int64_t row = first_tile / params.row_tiles;
  int64_t row_tile = first_tile - row * params.row_tiles;
  int64_t channel = row % params.out_channels;
  int64_t n = row / params.out_channels;
  int64_t group = channel / params.out_per_group;
  int64_t co = channel - group * params.out_per_group;
  const int64_t tile_m = params.tile_outputs / stride;  // window start from one tile to the next
  int64_t t_lo = params.first_window + row_tile * tile_m;
  bool new_channel = true;

  for (int64_t tile = first_tile; tile < end_tile; ++tile) {
    __syncthreads();  // the previous tile's window and weights are no longer read
    const T* x_group = params.x + (n * params.in_channels + group * kChannels) * params.in_length;
    const bool inside = t_lo >= 0 && t_lo + window <= params.in_length;  // uniform
#pragma unroll
    for (int c = 0; c < kChannels; ++c) {
      const T* x_window = x_group + c * params.in_length + t_lo;
      Acc* staged = inputs + c * window;
      // (Four loads a thread in flight: a 4096-output tile of stride 4 stages about 1024.)
      if (inside) {
#pragma unroll 4
        for (int u = thread; u < window; u += Tile::kThreads) {
          staged[u] = detail::load_as_accumulator(x_window + u);
        }
      } else {
#pragma unroll 4
        for (int u = thread; u < window; u += Tile::kThreads) {
          const int64_t t = t_lo + u;
          staged[u] =
              t >= 0 && t < params.in_length ? detail::load_as_accumulator(x_window + u) : Acc(0);
        }
      }
    }
    if (new_channel) {  // uniform across the block
      const T* w_channel =
          params.w + (group * kChannels * params.out_per_group + co) * kernel_size;
#pragma unroll
      for (int c = 0; c < kChannels; ++c) {
        for (int64_t k = thread; k < kernel_size; k += Tile::kThreads) {
          weights[c * kernel_size + k] =
              detail::load_as_accumulator(w_channel + c * params.out_per_group * kernel_size + k);
        }
      }
    }
    __syncthreads();

    if (computes) {
      if constexpr (kRegisterTaps > 0) {
        if (new_channel) {
#pragma unroll
          for (int c = 0; c < kChannels; ++c) {
#pragma unroll
            for (int i = 0; i < kRegisterTaps; ++i) {
              held[c][i] = i < taps ? weights[c * kernel_size + first_tap + i * tap_step]
                                    : Acc(0);
            }
          }
        }
      }
      const Acc bias =
          params.bias != nullptr ? detail::load_as_accumulator(params.bias + channel) : Acc(0);
      const int64_t j0 = row_tile * params.tile_outputs;
      const int64_t left = params.out_length - j0;
      const int count = left < params.tile_outputs ? static_cast<int>(left) : params.tile_outputs;
      T* output = params.y + row * params.out_length + j0 + thread;
      if constexpr (kRegisterTaps > 0) {
        const Acc* tap_input[kHeld];
#pragma unroll
        for (int i = 0; i < kHeld; ++i) tap_input[i] = first_tap_input[i];
        // Unrolled: 2-3% faster in 16 bits on the depthwise layers of the suite, the same in
        // float (H200, docs/tuning.md, T20).
#pragma unroll 4
        for (int local = thread; local < count; local += positions) {
          Acc sum = bias;
#pragma unroll
          for (int i = 0; i < kHeld; ++i) {
            if (i < taps) {
#pragma unroll
              for (int c = 0; c < kChannels; ++c) sum += tap_input[i][c * window] * held[c][i];
            }
            tap_input[i] += step_m;
          }
          *output = detail::from_accumulator<T>(sum);
          output += positions;
        }
      } else {
        const Acc* input = inputs + first_input;
        for (int local = thread; local < count; local += positions) {
          Acc sum = bias;
          const Acc* tap_input = input;
          const Acc* weight = weights + first_tap;
          for (int i = 0; i < taps; ++i) {
#pragma unroll
            for (int c = 0; c < kChannels; ++c) {
              sum += tap_input[c * window] * weight[c * kernel_size];
            }
            tap_input -= offset_step;
            weight += tap_step;
          }
          *output = detail::from_accumulator<T>(sum);
          output += positions;
          input += step_m;
        }
      }
    }

    // The next tile: further along this row, or the first of the next row.
    new_channel = ++row_tile == params.row_tiles;
    if (new_channel) {
      row_tile = 0;
      ++row;
      t_lo = params.first_window;
      ++channel;
      if (++co == params.out_per_group) {
        co = 0;
        ++group;
      }
      if (channel == params.out_channels) {
        channel = 0;
        group = 0;
        ++n;
      }
    } else {
      t_lo += tile_m;
    }
  }
}

template <class T, class Tile, int kChannels, int kRegisterTaps>
__global__ void __launch_bounds__(Tile::kThreads)
    window_kernel(const __grid_constant__ WindowParams<T> params) {
  window_tiles<T, Tile, kChannels, kRegisterTaps>(params);
}

// Blocks a multiprocessor holds of window_kernel_resident(): 8 of 256 threads leave 32
// registers a thread.
inline constexpr int kWindowResidentBlocks = 8;

// The same, held to kWindowResidentBlocks blocks a multiprocessor (32 registers a thread for
// 256 threads), for the 16-bit instantiations with kWindowRegisterTaps taps in registers,
// which take 48 registers unbounded (5 blocks) and ran 3-9% faster so held (H200,
// docs/tuning.md, T22; sm_90a, no spills). A kernel of its own: the other instantiations, given
// any explicit minimum, spend more registers than they do unbounded, and lose (T21).
template <class T, class Tile, int kChannels, int kRegisterTaps>
__global__ void __launch_bounds__(Tile::kThreads, kWindowResidentBlocks)
    window_kernel_resident(const __grid_constant__ WindowParams<T> params) {
  window_tiles<T, Tile, kChannels, kRegisterTaps>(params);
}

}  // namespace convt1d::kernel
