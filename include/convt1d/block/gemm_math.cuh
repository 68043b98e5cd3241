// How a block of the phase-GEMM kernel multiplies one shared-memory stage: the kernel's "math"
// policy. The kernel (kernel/gemm_kernel.cuh) owns everything around it: which tile a block
// computes, the global loads, the stages and the epilogue. A policy supplies
//   Word, kPack, Stage   a shared-memory slot holds kPack consecutive reduction elements; Stage
//                        lays out one stage's slots;
//   kCopyAsync, kStages  whether stages are copied to shared memory asynchronously (the word
//                        is the element as it is: cp.async) or staged through registers, and
//                        how many stages the kernel's pipeline keeps;
//   Staged, load, pack   what a thread holds between its global load and its shared store, for
//                        the register-staged pipeline;
//   Accumulators, multiply(stage, accumulators), for_each(accumulators, f(row, column, value))
//                        and the tile's sizes and thread count;
//   kStagedEpilogue      whether the epilogue goes through shared memory (store_tile()), where
//                        the staged tile fits (kernel::kPortableBlockSharedBytes).
//
//   SimtMath  float/double FMAs: each thread an outer product of kThreadChannels weights and
//             kThreadPositions inputs per reduction step, like an SGEMM main loop.
//   MmaMath   tensor cores: each warp a grid of 16 x 8 mma.sync fragments (warp/mma.cuh).
// The rows kernel's policies (MmaRowMath, WgmmaRowMath) also say how its stages are aligned in
// shared memory (kStageAlignment) and whether the tensor cores read them through descriptors,
// after a proxy fence (kAsyncProxyReads).
#pragma once

#include <cstdint>

#include <cuda/std/type_traits>

#include "../detail/element.cuh"
#include "../tile_config.hpp"
#include "../warp/mma.cuh"
#include "../warp/wgmma.cuh"

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
  static constexpr bool kStagedEpilogue = Tile::kStagedEpilogue;
  static constexpr int kBlockChannels = Tile::kBlockChannels;
  static constexpr int kBlockPositions = Tile::kBlockPositions;
  static constexpr int kReductionWords = Tile::kBlockReduction;
  static constexpr int kThreads = Tile::kThreads;
  // float and double words are the elements themselves: copied asynchronously, 4 stages (3 in
  // flight while one is multiplied).
  static constexpr bool kCopyAsync = cuda::std::is_same_v<T, Acc>;
  static constexpr int kStages = kCopyAsync ? 4 : 2;
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

template <class T, class Tile, class Instruction>
struct MmaMath {
  using Word = uint32_t;
  using Staged = typename Instruction::Staged;
  static constexpr int kPack = Instruction::kPack;
  // The epilogue goes through shared memory (kernel/gemm_kernel.cuh, store_tile()): faster on
  // every GEMM shape of the bench, 1.03-2.2x (docs/tuning.md, T9).
  static constexpr bool kStagedEpilogue = true;
  // Rows of kBlockChannels + 8 words: the eight rows g of a fragment read (row t, column g),
  // banks 8t + g, all different.
  static constexpr int kPad = 8;
  static constexpr int kBlockChannels = Tile::kBlockChannels;
  static constexpr int kBlockPositions = Tile::kBlockPositions;
  static constexpr int kReductionWords = Tile::kReductionWords;
  static constexpr int kThreads = Tile::kThreads;
  // 3xTF32 words are the floats as they are: copied asynchronously, 4 stages. TF32 words are
  // rounded and 16-bit words pair two input channels: staged through registers, 2 stages.
  static constexpr bool kCopyAsync = Instruction::kCopyAsync;
  static constexpr int kStages = kCopyAsync ? 4 : 2;
  // Split operands (3xTF32) hold twice the fragment registers: one block fewer per
  // multiprocessor, so that they are not spilled.
  static constexpr int kMinBlocksPerMultiprocessor =
      Instruction::kParts > 1 && Tile::kMinBlocksPerMultiprocessor > 1
          ? Tile::kMinBlocksPerMultiprocessor - 1
          : Tile::kMinBlocksPerMultiprocessor;
  using Stage =
      GemmStage<Word, kReductionWords, kBlockChannels + kPad, kBlockPositions + kPad>;

  static constexpr int kFragmentsChannels = Tile::kWarpChannels / 16;
  static constexpr int kFragmentsPositions = Tile::kWarpPositions / 8;
  static constexpr int kParts = Instruction::kParts;

  struct Accumulators {
    float value[kFragmentsChannels][kFragmentsPositions][4];
  };

  __device__ __forceinline__ static Staged load(const T* address) { return __ldg(address); }
  __device__ __forceinline__ static Word pack(const Staged (&values)[kPack]) {
    return Instruction::pack(values);
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

  // Accumulated straight into the block's registers, 3xTF32 errors grew with the reduction length
  // (1.8e-5 relative over 1536 channels on an H100), as if the tensor cores truncated when they
  // add to the accumulator. Where the products are float-accurate (3xTF32) a stage therefore
  // accumulates into zeroed registers, added to the block's accumulators with rounded float adds;
  // the other modes, whose operand rounding is far larger, accumulate directly.
  static constexpr bool kStageAccumulators = Instruction::kParts > 1;

  __device__ __forceinline__ static void multiply(const Stage& stage, Accumulators& accumulators,
                                                  int thread) {
    accumulate(accumulators, [&](Accumulators& into) { multiply_into(stage, into, thread); });
  }

  // multiply_into(into) applied to the block's accumulators, through zeroed stage accumulators
  // where kStageAccumulators says so.
  template <class MultiplyInto>
  __device__ __forceinline__ static void accumulate(Accumulators& accumulators,
                                                    MultiplyInto&& multiply_into) {
    if constexpr (kStageAccumulators) {
      Accumulators partial;
      clear(partial);
      multiply_into(partial);
#pragma unroll
      for (int i = 0; i < kFragmentsChannels; ++i) {
#pragma unroll
        for (int j = 0; j < kFragmentsPositions; ++j) {
#pragma unroll
          for (int e = 0; e < 4; ++e) accumulators.value[i][j][e] += partial.value[i][j][e];
        }
      }
    } else {
      multiply_into(accumulators);
    }
  }

  // Every fragment product of one reduction step of 8 words.
  __device__ __forceinline__ static void multiply_fragments(
      Accumulators& accumulators, const uint32_t (&a)[kFragmentsChannels][kParts][4],
      const uint32_t (&b)[kFragmentsPositions][kParts][2]) {
#pragma unroll
    for (int i = 0; i < kFragmentsChannels; ++i) {
#pragma unroll
      for (int j = 0; j < kFragmentsPositions; ++j) {
        Instruction::mma(accumulators.value[i][j], a[i], b[j]);
      }
    }
  }

  __device__ __forceinline__ static void multiply_into(const Stage& stage,
                                                       Accumulators& accumulators, int thread) {
    const int lane = thread % 32, g = lane / 4, t = lane % 4;
    const int channels = warp_channels(thread) + g, positions = warp_positions(thread) + g;
#pragma unroll
    for (int step = 0; step < kReductionWords; step += 8) {
      uint32_t a[kFragmentsChannels][kParts][4];
      uint32_t b[kFragmentsPositions][kParts][2];
      uint32_t parts[kParts];
#pragma unroll
      for (int i = 0; i < kFragmentsChannels; ++i) {
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          Instruction::split(
              stage.weights[step + t + (r / 2) * 4][channels + i * 16 + (r % 2) * 8], parts);
#pragma unroll
          for (int p = 0; p < kParts; ++p) a[i][p][r] = parts[p];
        }
      }
#pragma unroll
      for (int j = 0; j < kFragmentsPositions; ++j) {
#pragma unroll
        for (int r = 0; r < 2; ++r) {
          Instruction::split(stage.inputs[step + t + r * 4][positions + j * 8], parts);
#pragma unroll
          for (int p = 0; p < kParts; ++p) b[j][p][r] = parts[p];
        }
      }
      multiply_fragments(accumulators, a, b);
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

// Shared memory of one stage of the rows kernel (kernel/gemm_rows_kernel.cuh): rows of
// Chunks x 16 bytes of reduction, one per output channel (weights) and one per position
// (inputs); chunk c of row r is stored at c ^ (r / (8 / Chunks) % Chunks), so that the eight
// rows of an 8 x 8 matrix read by ldmatrix fall in eight different 16-byte bank groups.
template <int ChannelRows, int PositionRows, int Chunks>
struct RowStage {
  static_assert(Chunks == 4 || Chunks == 8, "rows of 64 or 128 bytes");
  static constexpr int kChunks = Chunks;
  uint4 weights[ChannelRows][kChunks];
  uint4 inputs[PositionRows][kChunks];

  __device__ __forceinline__ static int slot(int row, int chunk) {
    return chunk ^ ((row / (8 / kChunks)) % kChunks);
  }
};

// MmaMath's warps, fragments and epilogue, multiplying stages whose operands run along the
// reduction (RowStage, Chunks 16-byte chunks per row; Stages of them in the pipeline): a
// fragment is one ldmatrix of four 8 x 8 matrices, with no conversion, since the operands come
// ready (rounded to TF32 where that is the mode, kernel/row_operands_kernel.cuh).
// Default chunks per row: 128-byte rows (3 stages) where the tile's rows fit them, 64-byte
// rows (4 stages) for the 8-warp tiles (measured on the H100: docs/tuning.md, T6).
template <class Tile>
inline constexpr int kRowChunks = Tile::kBlockChannels + Tile::kBlockPositions <= 192 ? 8 : 4;

template <class T, class Tile, class Instruction, int Chunks = kRowChunks<Tile>,
          int Stages = Chunks == 8 ? 3 : 4>
struct MmaRowMath : MmaMath<T, Tile, Instruction> {
  using Base = MmaMath<T, Tile, Instruction>;
  using typename Base::Accumulators;
  using Stage = RowStage<Tile::kBlockChannels, Tile::kBlockPositions, Chunks>;
  static constexpr int kChunks = Chunks;
  static constexpr int kChunkElements = 16 / static_cast<int>(sizeof(T));
  static constexpr int kReduction = kChunks * kChunkElements;  // input channels per stage
  static constexpr int kStages = Stages;
  static constexpr size_t kStageAlignment = 16;
  static constexpr bool kAsyncProxyReads = false;
  static_assert(Base::kFragmentsPositions % 2 == 0, "B fragments are loaded two at a time");

  __device__ __forceinline__ static void multiply(const Stage& stage, Accumulators& accumulators,
                                                  int thread) {
    Base::accumulate(accumulators,
                     [&](Accumulators& into) { multiply_into(stage, into, thread); });
  }

  // One MMA step per two chunks (8 words: 16 elements of 16 bits, 8 of TF32).
  __device__ __forceinline__ static void multiply_into(const Stage& stage,
                                                       Accumulators& accumulators, int thread) {
    constexpr int kParts = Base::kParts;
    const int lane = thread % 32;
    // A: matrices (rows 0-7, chunk c), (rows 8-15, c), (rows 0-7, c + 1), (rows 8-15, c + 1) are
    // a0..a3. B: (rows 0-7, c), (rows 0-7, c + 1) are b0, b1 of one fragment, rows 8-15 the next.
    const int a_row = Base::warp_channels(thread) + lane % 16, a_chunk = lane / 16;
    const int b_row = Base::warp_positions(thread) + lane / 16 * 8 + lane % 8;
    const int b_chunk = lane / 8 % 2;
#pragma unroll
    for (int step = 0; step < kChunks; step += 2) {
      uint32_t a[Base::kFragmentsChannels][kParts][4];
      uint32_t b[Base::kFragmentsPositions][kParts][2];
      uint32_t words[4], parts[kParts];
#pragma unroll
      for (int i = 0; i < Base::kFragmentsChannels; ++i) {
        const int row = a_row + i * 16;
        warp::load_matrices(&stage.weights[row][Stage::slot(row, step + a_chunk)], words);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          Instruction::split(words[r], parts);
#pragma unroll
          for (int p = 0; p < kParts; ++p) a[i][p][r] = parts[p];
        }
      }
#pragma unroll
      for (int j = 0; j < Base::kFragmentsPositions; j += 2) {
        const int row = b_row + j * 8;
        warp::load_matrices(&stage.inputs[row][Stage::slot(row, step + b_chunk)], words);
#pragma unroll
        for (int r = 0; r < 4; ++r) {
          Instruction::split(words[r], parts);
#pragma unroll
          for (int p = 0; p < kParts; ++p) b[j + r / 2][p][r % 2] = parts[p];
        }
      }
      Base::multiply_fragments(accumulators, a, b);
    }
  }
};

// MmaRowMath's stages multiplied by Hopper's warpgroup MMA (warp/wgmma.cuh) where the code is
// compiled for sm_90a, and by MmaRowMath's mma.sync loop elsewhere: the same stages, tiles,
// accumulators and epilogue, so either build computes the same outputs (up to the order of the
// float additions inside the tensor cores).
//
// Tile: each warp owns 16 output channels and all the tile's positions, four consecutive warps
// (a warpgroup) 64 channels; kBlockPositions is the instruction's N (64 or 128). Stages have
// 128-byte rows, whose chunk swizzle (RowStage::slot) is the tensor cores' 128-byte swizzle once
// every stage starts on a 1024-byte boundary (kStageAlignment). A stage is four instructions per
// warpgroup, one per 32 bytes of its rows, issued together and waited for before the stage's
// buffer is handed back to the copies. TF32 and 16-bit only: the operands are read as they lie in
// shared memory, so 3xTF32's split has no place here.
template <class T, class Tile, class Instruction, int Stages>
struct WgmmaRowMath : MmaRowMath<T, Tile, Instruction, 8, Stages> {
  using Base = MmaRowMath<T, Tile, Instruction, 8, Stages>;
  using typename Base::Accumulators;
  using typename Base::Stage;
  static constexpr size_t kStageAlignment = 1024;
  static constexpr bool kAsyncProxyReads = true;
  static_assert(Tile::kWarpChannels == 16 && Tile::kWarpsPositions == 1 &&
                    Tile::kWarpsChannels % 4 == 0,
                "warpgroups of 64 channels, each over all the tile's positions");
  static_assert(Tile::kBlockPositions == 64 || Tile::kBlockPositions == 128,
                "wgmma's N: 64 or 128 positions");
  static_assert(Instruction::kParts == 1, "operands as they are: TF32 or 16-bit, not 3xTF32");
  static_assert(sizeof(Stage) % kStageAlignment == 0 &&
                    sizeof(Stage::weights) % kStageAlignment == 0,
                "every stage's weight and input tiles start on a 1024-byte boundary");

  __device__ __forceinline__ static void multiply(const Stage& stage, Accumulators& accumulators,
                                                  int thread) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    constexpr int kPositions = Tile::kBlockPositions;
    static_assert(sizeof(accumulators.value) == sizeof(float) * kPositions / 2,
                  "a warp's accumulators are one wgmma's");
    auto& d = reinterpret_cast<float(&)[kPositions / 2]>(accumulators.value);
    const int warpgroup = thread / 128;
    const uint64_t a = warp::swizzled_tile_descriptor(&stage.weights[warpgroup * 64][0]);
    const uint64_t b = warp::swizzled_tile_descriptor(&stage.inputs[0][0]);
    warp::fence_accumulators(d);
    warp::wgmma_fence();
#pragma unroll
    for (int step = 0; step < Stage::kChunks / 2; ++step) {
      warp::wgmma<T, kPositions>(d, warp::advance_descriptor(a, 32 * step),
                                 warp::advance_descriptor(b, 32 * step));
    }
    warp::wgmma_commit();
    warp::wgmma_wait<0>();
    warp::fence_accumulators(d);
#else
    Base::multiply(stage, accumulators, thread);
#endif
  }
};

}  // namespace convt1d::block
