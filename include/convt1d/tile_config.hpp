// Tile shapes of the convt1d kernels, as types. Host and device.
#pragma once

namespace convt1d {

// The phase-GEMM kernel: a block computes a tile of kBlockChannels output channels x
// kBlockPositions output positions of one phase, reducing over kBlockReduction input channels
// per shared-memory stage; each thread owns kThreadChannels x kThreadPositions accumulators.
template <int BlockChannels, int BlockPositions, int BlockReduction, int ThreadChannels,
          int ThreadPositions, int MinBlocksPerMultiprocessor>
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

// The direct kernel, for few channels per group (depthwise and the like): a block covers
// kBlockPositions consecutive positions m of every phase of one output row; each thread
// kPositionsPerThread of them, kThreads apart.
template <int Threads, int PositionsPerThread>
struct DirectTile {
  static constexpr int kThreads = Threads;
  static constexpr int kPositionsPerThread = PositionsPerThread;
  static constexpr int kBlockPositions = Threads * PositionsPerThread;
  static_assert(Threads % 32 == 0 && Threads <= 1024, "whole warps, at most 1024 threads");
  static_assert(PositionsPerThread >= 1, "a thread computes at least one position");
};

}  // namespace convt1d
