// Tile shapes of the convt1d kernels, as types. Host and device.
#pragma once

#include <cuda/std/bit>

namespace convt1d {

// The phase-GEMM kernel: a block computes a tile of kBlockChannels output channels x
// kBlockPositions output positions of one phase, reducing over kBlockReduction input channels
// per shared-memory stage; each thread owns kThreadChannels x kThreadPositions accumulators.
// StagedEpilogue: the tile's outputs go to y through shared memory (kernel/gemm_kernel.cuh,
// store_tile(); where the staged tile fits kernel::kPortableBlockSharedBytes), or each thread
// stores its accumulators where they lie.
template <int BlockChannels, int BlockPositions, int BlockReduction, int ThreadChannels,
          int ThreadPositions, int MinBlocksPerMultiprocessor, bool StagedEpilogue = true>
struct GemmTile {
  static constexpr int kBlockChannels = BlockChannels;
  static constexpr int kBlockPositions = BlockPositions;
  static constexpr int kBlockReduction = BlockReduction;
  static constexpr int kThreadChannels = ThreadChannels;
  static constexpr int kThreadPositions = ThreadPositions;
  // A thread's positions come in runs of kRun consecutive ones (one 16-byte shared-memory read
  // of floats), kRuns runs kRunStride apart.
  static constexpr int kRun = 4;
  static constexpr int kRuns = ThreadPositions / kRun;
  static constexpr int kPositionThreads = BlockPositions / ThreadPositions;
  static constexpr int kChannelThreads = BlockChannels / ThreadChannels;
  static constexpr int kRunStride = BlockPositions / kRuns;
  static constexpr int kThreads = kPositionThreads * kChannelThreads;
  // Residency the compiler must leave room for (registers per thread <= 64K / (this x kThreads)),
  // for float accumulators; double tiles ask for one block.
  static constexpr int kMinBlocksPerMultiprocessor = MinBlocksPerMultiprocessor;
  static constexpr bool kStagedEpilogue = StagedEpilogue;

  static_assert(ThreadChannels % 4 == 0, "a thread's channels are read 4 at a time");
  static_assert(ThreadPositions % kRun == 0, "a thread's positions are read 4 at a time");
  static_assert(BlockChannels % ThreadChannels == 0, "channel tile must split evenly into threads");
  static_assert(BlockPositions % ThreadPositions == 0,
                "position tile must split evenly into threads");
  static_assert(kThreads % 32 == 0 && kThreads <= 1024, "whole warps, at most 1024 threads");
  static_assert(MinBlocksPerMultiprocessor >= 1, "at least one block per multiprocessor");
  static_assert((BlockChannels * BlockReduction) % kThreads == 0,
                "every thread stages the same number of weights");
  static_assert((BlockPositions * BlockReduction) % kThreads == 0,
                "every thread stages the same number of inputs");
};

// The phase-GEMM kernel on tensor cores: the same block tile (kBlockChannels x kBlockPositions of
// one phase), split among kWarpsChannels x kWarpsPositions warps; each warp owns a
// kWarpChannels x kWarpPositions sub-tile made of 16 x 8 MMA fragments. A stage reduces over
// kReductionWords 32-bit shared-memory words: one float each in the TF32 modes, a pair of
// consecutive input channels each for __half and __nv_bfloat16.
template <int BlockChannels, int BlockPositions, int ReductionWords, int WarpsChannels,
          int WarpsPositions, int MinBlocksPerMultiprocessor>
struct MmaTile {
  static constexpr int kBlockChannels = BlockChannels;
  static constexpr int kBlockPositions = BlockPositions;
  static constexpr int kReductionWords = ReductionWords;
  static constexpr int kWarpsChannels = WarpsChannels;
  static constexpr int kWarpsPositions = WarpsPositions;
  static constexpr int kWarpChannels = BlockChannels / WarpsChannels;
  static constexpr int kWarpPositions = BlockPositions / WarpsPositions;
  static constexpr int kThreads = 32 * WarpsChannels * WarpsPositions;
  static constexpr int kMinBlocksPerMultiprocessor = MinBlocksPerMultiprocessor;

  static_assert(BlockChannels % WarpsChannels == 0 && kWarpChannels % 16 == 0,
                "a warp's channels are whole 16-row MMA fragments");
  static_assert(BlockPositions % WarpsPositions == 0 && kWarpPositions % 8 == 0,
                "a warp's positions are whole 8-column MMA fragments");
  static_assert(ReductionWords % 8 == 0, "a stage is whole 8-word MMA steps");
  static_assert(kThreads <= 1024, "at most 1024 threads");
  static_assert(kThreads % BlockChannels == 0 && kThreads % BlockPositions == 0,
                "each thread stages one channel column and one position column");
  static_assert((BlockChannels * ReductionWords) % kThreads == 0 &&
                    (BlockPositions * ReductionWords) % kThreads == 0,
                "every thread stages the same number of words");
  static_assert(MinBlocksPerMultiprocessor >= 1, "at least one block per multiprocessor");
};

// The direct kernel, for few channels per group (many-to-few channel layers): a block covers
// kBlockPositions consecutive positions m of every phase of one output row; each thread
// kPositionsPerThread of them, kThreads apart. Its threads split into slices of a power of two
// (kernel/direct_kernel.cuh), so kThreads is one too: 2^kThreadBits.
template <int Threads, int PositionsPerThread>
struct DirectTile {
  static constexpr int kThreads = Threads;
  static constexpr int kThreadBits = cuda::std::countr_zero(static_cast<unsigned>(Threads));
  static constexpr int kPositionsPerThread = PositionsPerThread;
  static constexpr int kBlockPositions = Threads * PositionsPerThread;
  static_assert(Threads % 32 == 0 && Threads <= 1024, "whole warps, at most 1024 threads");
  static_assert(PositionsPerThread >= 1, "a thread computes at least one position");
  static_assert(cuda::std::has_single_bit(static_cast<unsigned>(Threads)),
                "slices of a power-of-two block");
};

// The window kernel, for one to three input channels per group: kThreads threads, each
// computing outputs `positions` apart along one output row (the largest multiple of the stride
// up to kThreads; the threads past it only stage inputs).
template <int Threads>
struct WindowTile {
  static constexpr int kThreads = Threads;
  static_assert(Threads % 32 == 0 && Threads <= 1024, "whole warps, at most 1024 threads");
};

}  // namespace convt1d
