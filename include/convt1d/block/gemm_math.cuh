// How a block of the phase-GEMM kernel multiplies one shared-memory stage: the kernel's "math"
// policy. The kernel (kernel/gemm_kernel.cuh) owns everything around it: which tile a block
// computes, the global loads, the stages and the epilogue. A policy supplies
//   Word, kPack          a shared-memory slot holds kPack consecutive reduction elements;
//   Stage                the shared memory of one stage, laid out as the policy reads it;
//   Staged, load,        what a thread holds between its global load and its shared store,
//   store_weights/inputs and how its slots (kContiguousRows: consecutive word rows of one
//                        column, or rows kThreads / columns apart) enter the Stage;
//   Accumulators, multiply(stage, accumulators), for_each(accumulators, f(row, column, value))
// and the tile's sizes and thread count.
//
//   SimtMath  float/double FMAs: each thread an outer product of kThreadChannels weights and
//             kThreadPositions inputs per reduction step, like an SGEMM main loop.
//   MmaMath   tensor cores: each warp a grid of 16 x 8 mma.sync fragments (warp/mma.cuh).
#pragma once

#include <cstdint>

#include "../detail/element.cuh"
#include "../tile_config.hpp"
#include "../warp/mma.cuh"

namespace convt1d::block {

namespace math_detail {

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

}  // namespace math_detail

// Shared memory of one stage: the weight slice [reduction word][output channel] and the input
// window [reduction word][position].
template <class Word, int Rows, int ChannelColumns, int PositionColumns>
struct GemmStage {
  alignas(16) Word weights[Rows][ChannelColumns];
  alignas(16) Word inputs[Rows][PositionColumns];
};

template <class T, class Tile>
struct SimtMath {
  using Acc = detail::accumulator_t<T>;
  using Word = Acc;
  using Staged = Acc;
  static constexpr int kPack = 1;
  static constexpr bool kContiguousRows = false;
  static constexpr int kBlockChannels = Tile::kBlockChannels;
  static constexpr int kBlockPositions = Tile::kBlockPositions;
  static constexpr int kReductionWords = Tile::kBlockReduction;
  static constexpr int kThreads = Tile::kThreads;
  // Double accumulators take twice the registers: one block per multiprocessor.
  static constexpr int kMinBlocksPerMultiprocessor =
      sizeof(Acc) == 4 ? Tile::kMinBlocksPerMultiprocessor : 1;
  using Stage = GemmStage<Word, kReductionWords, kBlockChannels, kBlockPositions>;

  struct Accumulators {
    Acc value[Tile::kThreadChannels][Tile::kThreadPositions];
  };

  __device__ __forceinline__ static Staged load(const T* address) {
    return detail::load_as_accumulator(address);
  }
  __device__ __forceinline__ static Word pack(const Staged (&values)[1]) { return values[0]; }

  // Slot i of a thread is row first_row + i * kThreads / columns, stored [row][column].
  template <int kLoads>
  __device__ __forceinline__ static void store_weights(Stage& stage, int column, int first_row,
                                                       const Staged (&staged)[kLoads][1]) {
    constexpr int kStep = kThreads / kBlockChannels;
#pragma unroll
    for (int i = 0; i < kLoads; ++i) stage.weights[first_row + i * kStep][column] = staged[i][0];
  }
  template <int kLoads>
  __device__ __forceinline__ static void store_inputs(Stage& stage, int column, int first_row,
                                                      const Staged (&staged)[kLoads][1]) {
    constexpr int kStep = kThreads / kBlockPositions;
#pragma unroll
    for (int i = 0; i < kLoads; ++i) stage.inputs[first_row + i * kStep][column] = staged[i][0];
  }

  __device__ __forceinline__ static void clear(Accumulators& accumulators) {
#pragma unroll
    for (int i = 0; i < Tile::kThreadChannels; ++i) {
#pragma unroll
      for (int j = 0; j < Tile::kThreadPositions; ++j) accumulators.value[i][j] = Acc(0);
    }
  }

  // A thread's channels are kThreadChannels consecutive ones; its positions come in runs of
  // Tile::kRun consecutive ones, Tile::kRunStride apart.
  __device__ __forceinline__ static int channel_base(int thread) {
    return thread / Tile::kPositionThreads * Tile::kThreadChannels;
  }
  __device__ __forceinline__ static int position_base(int thread) {
    return thread % Tile::kPositionThreads * Tile::kRun;
  }

  __device__ __forceinline__ static void multiply(const Stage& stage, Accumulators& accumulators,
                                                  int thread) {
    const int channels = channel_base(thread), positions = position_base(thread);
#pragma unroll
    for (int reduction = 0; reduction < kReductionWords; ++reduction) {
      Acc weight_fragment[Tile::kThreadChannels];
      Acc input_fragment[Tile::kThreadPositions];
#pragma unroll
      for (int i = 0; i < Tile::kThreadChannels; i += 4) {
        math_detail::load_four(&stage.weights[reduction][channels + i], &weight_fragment[i]);
      }
#pragma unroll
      for (int run = 0; run < Tile::kRuns; ++run) {
        math_detail::load_four(&stage.inputs[reduction][positions + run * Tile::kRunStride],
                               &input_fragment[run * Tile::kRun]);
      }
#pragma unroll
      for (int i = 0; i < Tile::kThreadChannels; ++i) {
#pragma unroll
        for (int j = 0; j < Tile::kThreadPositions; ++j) {
          accumulators.value[i][j] += weight_fragment[i] * input_fragment[j];
        }
      }
    }
  }

  // f(channel row in the tile, position column in the tile, accumulated value) for each one.
  template <class F>
  __device__ __forceinline__ static void for_each(const Accumulators& accumulators, int thread,
                                                  F&& f) {
    const int channels = channel_base(thread), positions = position_base(thread);
#pragma unroll
    for (int i = 0; i < Tile::kThreadChannels; ++i) {
#pragma unroll
      for (int run = 0; run < Tile::kRuns; ++run) {
#pragma unroll
        for (int e = 0; e < Tile::kRun; ++e) {
          f(channels + i, positions + run * Tile::kRunStride + e,
            accumulators.value[i][run * Tile::kRun + e]);
        }
      }
    }
  }
};

// The MMA stage: weights [output channel][reduction word] and inputs [position][reduction word],
// rows of kPitch words (16 bytes of padding): the 8 rows one ldmatrix phase reads, 16 bytes each,
// fall on 8 different bank quads, and so do the 8 rows a quarter-warp's 16-byte stores write.
template <int Channels, int Positions, int Words>
struct MmaStage {
  static constexpr int kPitch = Words + 4;
  alignas(16) uint32_t weights[Channels][kPitch];
  alignas(16) uint32_t inputs[Positions][kPitch];
};

template <class T, class Tile, class Instruction>
struct MmaMath {
  using Word = uint32_t;
  using Staged = typename Instruction::Staged;
  static constexpr int kPack = Instruction::kPack;
  static constexpr bool kContiguousRows = true;
  static constexpr int kBlockChannels = Tile::kBlockChannels;
  static constexpr int kBlockPositions = Tile::kBlockPositions;
  static constexpr int kReductionWords = Tile::kReductionWords;
  static constexpr int kThreads = Tile::kThreads;
  // Split operands (3xTF32) hold twice the fragment registers: one block fewer per
  // multiprocessor, so that they are not spilled.
  static constexpr int kMinBlocksPerMultiprocessor =
      Instruction::kParts > 1 && Tile::kMinBlocksPerMultiprocessor > 1
          ? Tile::kMinBlocksPerMultiprocessor - 1
          : Tile::kMinBlocksPerMultiprocessor;
  using Stage = MmaStage<kBlockChannels, kBlockPositions, kReductionWords>;

  static constexpr int kFragmentsChannels = Tile::kWarpChannels / 16;
  static constexpr int kFragmentsPositions = Tile::kWarpPositions / 8;
  static constexpr int kParts = Instruction::kParts;

  struct Accumulators {
    float value[kFragmentsChannels][kFragmentsPositions][4];
  };

  __device__ __forceinline__ static Staged load(const T* address) { return __ldg(address); }

  // A thread's slots are kLoads consecutive words of one row of the stage: 16-byte stores.
  template <int kLoads>
  __device__ __forceinline__ static void store_row(uint32_t* row,
                                                   const Staged (&staged)[kLoads][kPack]) {
    static_assert(kLoads % 4 == 0, "a thread stores whole 16-byte groups");
#pragma unroll
    for (int i = 0; i < kLoads; i += 4) {
      *reinterpret_cast<uint4*>(row + i) =
          make_uint4(Instruction::pack(staged[i]), Instruction::pack(staged[i + 1]),
                     Instruction::pack(staged[i + 2]), Instruction::pack(staged[i + 3]));
    }
  }
  template <int kLoads>
  __device__ __forceinline__ static void store_weights(Stage& stage, int column, int first_row,
                                                       const Staged (&staged)[kLoads][kPack]) {
    store_row(&stage.weights[column][first_row], staged);
  }
  template <int kLoads>
  __device__ __forceinline__ static void store_inputs(Stage& stage, int column, int first_row,
                                                      const Staged (&staged)[kLoads][kPack]) {
    store_row(&stage.inputs[column][first_row], staged);
  }

  __device__ __forceinline__ static void clear(Accumulators& accumulators) {
#pragma unroll
    for (int i = 0; i < kFragmentsChannels; ++i) {
#pragma unroll
      for (int j = 0; j < kFragmentsPositions; ++j) {
#pragma unroll
        for (int e = 0; e < 4; ++e) accumulators.value[i][j][e] = 0.0f;
      }
    }
  }

  // The warp's sub-tile: warps are laid out channels fastest.
  __device__ __forceinline__ static int warp_channels(int thread) {
    return thread / 32 % Tile::kWarpsChannels * Tile::kWarpChannels;
  }
  __device__ __forceinline__ static int warp_positions(int thread) {
    return thread / 32 / Tile::kWarpsChannels * Tile::kWarpPositions;
  }

  // The tensor cores add an MMA's products to its accumulator with truncation, not rounding: over
  // a long reduction that bias reaches about 1e-5 relative. Where the products are float-accurate
  // (3xTF32) a stage therefore accumulates into zeroed registers, added to the block's
  // accumulators with rounded float adds; single-precision-operand modes, whose operand rounding
  // is far larger, accumulate directly.
  static constexpr bool kStageAccumulators = Instruction::kParts > 1;

  __device__ __forceinline__ static void multiply(const Stage& stage, Accumulators& accumulators,
                                                  int thread) {
    if constexpr (kStageAccumulators) {
      Accumulators partial;
      clear(partial);
      multiply_into(stage, partial, thread);
#pragma unroll
      for (int i = 0; i < kFragmentsChannels; ++i) {
#pragma unroll
        for (int j = 0; j < kFragmentsPositions; ++j) {
#pragma unroll
          for (int e = 0; e < 4; ++e) accumulators.value[i][j][e] += partial.value[i][j][e];
        }
      }
    } else {
      multiply_into(stage, accumulators, thread);
    }
  }

  // Fragments come from shared memory through ldmatrix.x4 (four 8 x 8 matrices of 16-bit
  // values, i.e. 8 rows x 4 words): lane l names row l % 8 of matrix l / 8.
  //   A of channel fragment i: a0 a1 a2 a3 = (channels +0..7, words +0..3), (+8..15, +0..3),
  //   (+0..7, +4..7), (+8..15, +4..7).
  //   B of position fragments j, j + 1: (j, words +0..3), (j, +4..7), (j + 1, +0..3),
  //   (j + 1, +4..7).
  // B for the whole warp tile is loaded first, then A one channel fragment at a time and used by
  // its MMAs right away, so that 4 A registers are live rather than 4 per fragment.
  __device__ __forceinline__ static void multiply_into(const Stage& stage,
                                                       Accumulators& accumulators, int thread) {
    static_assert(kFragmentsPositions % 2 == 0, "B fragments are loaded two at a time");
    const int lane = thread % 32;
    const int a_row = warp_channels(thread) + lane % 8 + (lane / 8) % 2 * 8;
    const int a_word = lane / 16 * 4;
    const int b_row = warp_positions(thread) + lane % 8 + lane / 16 * 8;
    const int b_word = (lane / 8) % 2 * 4;
#pragma unroll
    for (int step = 0; step < kReductionWords; step += 8) {
      uint32_t b[kFragmentsPositions][kParts][2];
      uint32_t parts[kParts];
#pragma unroll
      for (int j = 0; j < kFragmentsPositions; j += 2) {
        uint32_t words[4];
        warp::load_matrix_x4(&stage.inputs[b_row + j * 8][step + b_word], words);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          Instruction::split(words[r], parts);
#pragma unroll
          for (int p = 0; p < kParts; ++p) b[j + r / 2][p][r % 2] = parts[p];
        }
      }
#pragma unroll
      for (int i = 0; i < kFragmentsChannels; ++i) {
        uint32_t words[4];
        uint32_t a[kParts][4];
        warp::load_matrix_x4(&stage.weights[a_row + i * 16][step + a_word], words);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          Instruction::split(words[r], parts);
#pragma unroll
          for (int p = 0; p < kParts; ++p) a[p][r] = parts[p];
        }
#pragma unroll
        for (int j = 0; j < kFragmentsPositions; ++j) {
          Instruction::mma(accumulators.value[i][j], a, b[j]);
        }
      }
    }
  }

  template <class F>
  __device__ __forceinline__ static void for_each(const Accumulators& accumulators, int thread,
                                                  F&& f) {
    const int lane = thread % 32, g = lane / 4, t = lane % 4;
    const int channels = warp_channels(thread) + g;
    const int positions = warp_positions(thread) + 2 * t;
#pragma unroll
    for (int i = 0; i < kFragmentsChannels; ++i) {
#pragma unroll
      for (int j = 0; j < kFragmentsPositions; ++j) {
#pragma unroll
        for (int e = 0; e < 4; ++e) {
          f(channels + i * 16 + (e / 2) * 8, positions + j * 8 + e % 2,
            accumulators.value[i][j][e]);
        }
      }
    }
  }
};

}  // namespace convt1d::block
