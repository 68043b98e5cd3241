// Asynchronous global-to-shared copies of one thread (cp.async, sm_80 and later), for the kernels'
// multi-stage pipelines: a copy goes to shared memory without passing through registers, so a
// thread can have several stages of loads in flight while it computes on an earlier one.
// Copies are grouped: commit() closes the group of the copies issued since the last one, and
// wait_prior<N>() returns once at most N of this thread's groups are still in flight. Other
// threads see the data only after a barrier that follows the wait.
#pragma once

#include <cstdint>

namespace convt1d::thread {

// Copies Bytes (4, 8 or 16) from `source` to `destination`, both aligned to Bytes; where `valid`
// is false nothing is read and the destination is filled with zeros (source must still be a
// global address, e.g. the tensor's base pointer).
template <int Bytes>
__device__ __forceinline__ void copy_async(void* destination, const void* source, bool valid) {
  static_assert(Bytes == 4 || Bytes == 8 || Bytes == 16, "cp.async copies 4, 8 or 16 bytes");
  const auto shared_address =
      static_cast<uint32_t>(__cvta_generic_to_shared(destination));
  const int source_bytes = valid ? Bytes : 0;
  asm volatile("cp.async.ca.shared.global [%0], [%1], %2, %3;" ::"r"(shared_address),
               "l"(source), "n"(Bytes), "r"(source_bytes)
               : "memory");
}

__device__ __forceinline__ void commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }

template <int N>
__device__ __forceinline__ void wait_prior() {
  asm volatile("cp.async.wait_group %0;" ::"n"(N) : "memory");
}

}  // namespace convt1d::thread
