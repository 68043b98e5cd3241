// convt1d: the problem description, its validation and the status codes.
// Host-only: compiles with any C++17 compiler, no CUDA needed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace convt1d {

// One transposed 1D convolution, with the semantics of PyTorch's
// torch.nn.functional.conv_transpose1d. Tensors are contiguous:
//   x (batch, in_channels, in_length), w (in_channels, out_channels / groups, kernel_size),
//   bias (out_channels), y (batch, out_channels, output_length(problem)).
struct Problem {
  int64_t batch = 0, in_channels = 0, out_channels = 0, in_length = 0, kernel_size = 0;
  int64_t stride = 1, padding = 0, output_padding = 0, dilation = 1, groups = 1;
};

// How float problems multiply (the other element types ignore it: double is always exact,
// __half and __nv_bfloat16 always multiply on tensor cores with float accumulation).
//   kExact   float fused multiply-adds, as PyTorch with TF32 disabled.
//   kTF32    operands rounded to TF32 (10-bit mantissa), products on tensor cores, float
//            accumulation: what PyTorch does for float convolutions by default.
//   k3xTF32  each operand split into a TF32 value and a TF32 remainder, three tensor-core
//            products (the remainders' product dropped): about float accuracy at tensor-core
//            speed.
enum class MathMode : int32_t { kExact = 0, kTF32 = 1, k3xTF32 = 2 };

// Choices of a call that do not change its result's definition, only how it is computed.
//   math       how float multiplies (above).
//   workspace  optional device scratch memory of workspace_bytes bytes, for the call to use in
//              stream order (its contents are overwritten; it must not overlap x, w, bias or
//              y). With at least workspace_size<T>(problem, math) bytes (convt1d.cuh), the
//              call first rearranges operands there: on tensor cores, for layers with 1024
//              and more multiply-adds per input element (384 on large inputs or with 128
//              input channels a group and more, outside 3xTF32), a copy of x and w with the
//              input channels contiguous; otherwise,
//              where weight reads would waste most of each memory sector (stride 3 and
//              more), the weights in a per-phase layout. Without one, the call reads x and
//              w as they are, with the same result up to the order of the float sums.
//              nullptr with workspace_bytes 0 means none.
struct Options {
  MathMode math = MathMode::kExact;
  void* workspace = nullptr;
  size_t workspace_bytes = 0;
};

constexpr bool is_valid(MathMode math) {
  return math == MathMode::kExact || math == MathMode::kTF32 || math == MathMode::k3xTF32;
}

// Failure kinds. Values below kCudaError name a problem the caller can fix before calling again;
// a CUDA failure is kCudaError + the cudaError_t value (see is_cuda_error / cuda_error_code).
enum class Status : int32_t {
  kSuccess = 0,
  kNegativeSize,                   // batch, in_channels, out_channels, in_length or kernel_size < 0
  kEmptyInput,                     // in_length == 0 (only the batch may be empty)
  kNonPositiveChannels,            // in_channels or out_channels == 0
  kNonPositiveKernelSize,          // kernel_size == 0
  kNonPositiveStride,              // stride < 1
  kNonPositiveDilation,            // dilation < 1
  kNonPositiveGroups,              // groups < 1
  kNegativePadding,                // padding < 0
  kNegativeOutputPadding,          // output_padding < 0
  kChannelsNotDivisibleByGroups,   // in_channels or out_channels % groups != 0
  kOutputPaddingTooLarge,          // output_padding >= stride and output_padding >= dilation
  kNonPositiveOutputLength,        // output_length(problem) <= 0
  kSizeOverflow,                   // a tensor size or offset does not fit in int64_t
  kNullPointer,                    // a non-empty tensor was given as nullptr (GPU entry point)
  kInvalidMathMode,                // Options::math is not one of the MathMode values
  kInvalidWorkspace,               // Options::workspace is too small, or null with bytes > 0
  kCudaError = 1000,               // base: the CUDA error code is added to it
};

constexpr bool is_cuda_error(Status status) { return static_cast<int32_t>(status) >= 1000; }

// The cudaError_t value (as int) carried by a CUDA status; 0 for any other status.
constexpr int cuda_error_code(Status status) {
  return is_cuda_error(status) ? static_cast<int32_t>(status) - 1000 : 0;
}

constexpr Status make_cuda_status(int cuda_error) {
  return static_cast<Status>(1000 + cuda_error);
}

namespace detail {

// a * b, or false when the product leaves int64_t. Inputs are non-negative.
constexpr bool checked_mul(int64_t a, int64_t b, int64_t& out) {
  return !__builtin_mul_overflow(a, b, &out);
}

constexpr bool checked_add(int64_t a, int64_t b, int64_t& out) {
  return !__builtin_add_overflow(a, b, &out);
}

// output_length with overflow detection; false when an intermediate leaves int64_t.
constexpr bool checked_output_length(const Problem& p, int64_t& out) {
  int64_t span = 0, taps = 0, len = 0;
  if (!checked_mul(p.in_length - 1, p.stride, span)) return false;
  if (!checked_mul(p.dilation, p.kernel_size - 1, taps)) return false;
  if (!checked_add(span, taps, len)) return false;
  if (!checked_add(len, p.output_padding, len)) return false;
  if (!checked_add(len, 1, len)) return false;
  int64_t doubled_padding = 0;
  if (!checked_mul(p.padding, 2, doubled_padding)) return false;
  if (!checked_add(len, -doubled_padding, len)) return false;
  out = len;
  return true;
}

}  // namespace detail

// PyTorch's formula: (L_in - 1) * stride - 2 * padding + dilation * (K - 1) + output_padding + 1.
// Meaningful only for problems whose sizes are in range; may be <= 0 for invalid problems.
constexpr int64_t output_length(const Problem& p) {
  return (p.in_length - 1) * p.stride - 2 * p.padding + p.dilation * (p.kernel_size - 1) +
         p.output_padding + 1;
}

// kSuccess iff PyTorch's conv_transpose1d would accept the problem (docs/api.md cites each rule).
constexpr Status validate(const Problem& p) {
  if (p.batch < 0 || p.in_channels < 0 || p.out_channels < 0 || p.in_length < 0 ||
      p.kernel_size < 0) {
    return Status::kNegativeSize;
  }
  if (p.in_channels == 0 || p.out_channels == 0) return Status::kNonPositiveChannels;
  if (p.in_length == 0) return Status::kEmptyInput;
  if (p.kernel_size == 0) return Status::kNonPositiveKernelSize;
  if (p.stride < 1) return Status::kNonPositiveStride;
  if (p.dilation < 1) return Status::kNonPositiveDilation;
  if (p.groups < 1) return Status::kNonPositiveGroups;
  if (p.padding < 0) return Status::kNegativePadding;
  if (p.output_padding < 0) return Status::kNegativeOutputPadding;
  if (p.in_channels % p.groups != 0 || p.out_channels % p.groups != 0) {
    return Status::kChannelsNotDivisibleByGroups;
  }
  if (p.output_padding >= p.stride && p.output_padding >= p.dilation) {
    return Status::kOutputPaddingTooLarge;
  }
  // Every size and offset that the library computes must fit: the output length (with each
  // intermediate of its formula) and the element counts of x, w and y.
  int64_t out_len = 0, x_sample = 0, y_sample = 0, x_size = 0, y_size = 0, w_size = 0;
  if (!detail::checked_output_length(p, out_len)) return Status::kSizeOverflow;
  if (out_len <= 0) return Status::kNonPositiveOutputLength;
  // One sample's sizes are checked on their own too, so that an empty batch cannot hide them.
  if (!detail::checked_mul(p.in_channels, p.in_length, x_sample) ||
      !detail::checked_mul(p.out_channels, out_len, y_sample) ||
      !detail::checked_mul(p.batch, x_sample, x_size) ||
      !detail::checked_mul(p.batch, y_sample, y_size) ||
      !detail::checked_mul(p.in_channels, p.out_channels / p.groups, w_size) ||
      !detail::checked_mul(w_size, p.kernel_size, w_size)) {
    return Status::kSizeOverflow;
  }
  return Status::kSuccess;
}

constexpr const char* to_string(Status status) {
  switch (status) {
    case Status::kSuccess: return "success";
    case Status::kNegativeSize:
      return "batch, in_channels, out_channels, in_length and kernel_size must not be negative";
    case Status::kEmptyInput:
      return "in_length must be at least 1 (only the batch dimension may be empty)";
    case Status::kNonPositiveChannels: return "in_channels and out_channels must be at least 1";
    case Status::kNonPositiveKernelSize: return "kernel_size must be at least 1";
    case Status::kNonPositiveStride: return "stride must be at least 1";
    case Status::kNonPositiveDilation: return "dilation must be at least 1";
    case Status::kNonPositiveGroups: return "groups must be at least 1";
    case Status::kNegativePadding: return "padding must not be negative";
    case Status::kNegativeOutputPadding: return "output_padding must not be negative";
    case Status::kChannelsNotDivisibleByGroups:
      return "in_channels and out_channels must both be divisible by groups";
    case Status::kOutputPaddingTooLarge:
      return "output_padding must be smaller than either stride or dilation";
    case Status::kNonPositiveOutputLength:
      return "the output length (in_length - 1) * stride - 2 * padding + dilation * "
             "(kernel_size - 1) + output_padding + 1 must be at least 1: reduce padding";
    case Status::kSizeOverflow:
      return "a tensor size or offset of this problem does not fit in a 64-bit integer";
    case Status::kNullPointer:
      return "x, w and y must be non-null device pointers when their tensors are non-empty";
    case Status::kInvalidMathMode:
      return "options.math must be MathMode::kExact, MathMode::kTF32 or MathMode::k3xTF32";
    case Status::kInvalidWorkspace:
      return "options.workspace must be nullptr with workspace_bytes 0, or a device pointer with "
             "workspace_bytes at least workspace_size<T>(problem)";
    default: break;
  }
  if (is_cuda_error(status)) {
    return "a CUDA runtime call or kernel launch failed: cuda_error_code(status) is the "
           "cudaError_t, cudaGetErrorString names it";
  }
  return "unknown convt1d::Status value";
}

}  // namespace convt1d
