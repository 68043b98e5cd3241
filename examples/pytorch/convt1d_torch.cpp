// PyTorch binding of convt1d: one function,
//   conv_transpose1d(x, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1,
//                    groups=1, math=0) -> Tensor
// with the semantics of torch.nn.functional.conv_transpose1d (note: dilation before groups here;
// convt1d_torch.py wraps it with F.conv_transpose1d's own argument order, use that).
//
// What it accepts, and why:
//   - CUDA tensors, all on one device; the work runs on that device's current PyTorch stream.
//   - float32, float16 and bfloat16 only, all three tensors of one dtype. float64 is supported
//     by the library but not instantiated here, to keep the JIT build short.
//   - x of shape (N, C_in, L_in), or unbatched (C_in, L_in) as PyTorch allows; weight of shape
//     (C_in, C_out / groups, K); bias of shape (C_out).
//   - math: convt1d::MathMode as an int (0 exact, 1 TF32, 2 3xTF32), for float32 only;
//     convt1d_torch.py turns PyTorch's TF32 setting (or the caller's choice) into it.
//   - Any strides: each input is passed through .contiguous(), which copies only tensors that
//     are not contiguous already. The library checks pointer alignment itself, so a contiguous
//     view at an odd storage offset is fine.
// Every check runs before the output is allocated; a failure raises RuntimeError.

// This file is compiled by the host compiler and holds every check; the one call into CUDA code
// goes through convt1d_torch_launch.h.

#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>
#include <torch/extension.h>

#include <cstdint>
#include <optional>
#include <string>

#include "convt1d_torch_launch.h"

namespace {

// The dtype as Python spells it (torch.float32), for error messages.
std::string dtype_name(at::ScalarType type) { return "torch." + c10::getDtypeNames(type).first; }

// A tensor's shape as "(a, b, c)", for error messages.
std::string shape_string(const at::Tensor& tensor) {
  std::string text = "(";
  for (int64_t d = 0; d < tensor.dim(); ++d) {
    text += (d > 0 ? ", " : "") + std::to_string(tensor.size(d));
  }
  return text + ")";
}

bool is_supported_dtype(at::ScalarType type) {
  return type == at::kFloat || type == at::kHalf || type == at::kBFloat16;
}

void check_device(const at::Tensor& tensor, const char* name, const at::Device& device) {
  TORCH_CHECK(tensor.is_cuda(), "convt1d: ", name, " must be a CUDA tensor, got a tensor on ",
              tensor.device(), " (use torch.nn.functional.conv_transpose1d for CPU tensors)");
  TORCH_CHECK(tensor.device() == device, "convt1d: ", name, " is on ", tensor.device(),
              " but x is on ", device, "; all tensors must be on the same CUDA device");
}

void check_dtype(const at::Tensor& tensor, const char* name, at::ScalarType expected) {
  TORCH_CHECK(tensor.scalar_type() == expected, "convt1d: ", name, " has dtype ",
              dtype_name(tensor.scalar_type()), " but x has dtype ", dtype_name(expected),
              "; x, weight and bias must have the same dtype");
}

std::string describe(const convt1d::Problem& p) {
  return "batch=" + std::to_string(p.batch) + ", in_channels=" + std::to_string(p.in_channels) +
         ", out_channels=" + std::to_string(p.out_channels) +
         ", in_length=" + std::to_string(p.in_length) +
         ", kernel_size=" + std::to_string(p.kernel_size) + ", stride=" + std::to_string(p.stride) +
         ", padding=" + std::to_string(p.padding) +
         ", output_padding=" + std::to_string(p.output_padding) +
         ", dilation=" + std::to_string(p.dilation) + ", groups=" + std::to_string(p.groups);
}

at::Tensor conv_transpose1d(const at::Tensor& input, const at::Tensor& weight,
                            const std::optional<at::Tensor>& bias, int64_t stride, int64_t padding,
                            int64_t output_padding, int64_t dilation, int64_t groups,
                            int64_t math) {
  // Devices first: a CPU tensor is the most likely mistake and deserves the plainest message.
  TORCH_CHECK(input.is_cuda(), "convt1d: x must be a CUDA tensor, got a tensor on ", input.device(),
              " (use torch.nn.functional.conv_transpose1d for CPU tensors)");
  const at::Device device = input.device();
  check_device(weight, "weight", device);
  if (bias.has_value()) check_device(*bias, "bias", device);

  const at::ScalarType dtype = input.scalar_type();
  TORCH_CHECK(is_supported_dtype(dtype),
              "convt1d: x must have dtype torch.float32, torch.float16 or torch.bfloat16, got ",
              dtype_name(dtype),
              dtype == at::kDouble ? " (float64 is not compiled into this extension: use "
                                     "torch.nn.functional.conv_transpose1d)"
                                   : "");
  check_dtype(weight, "weight", dtype);
  if (bias.has_value()) check_dtype(*bias, "bias", dtype);

  TORCH_CHECK(input.dim() == 3 || input.dim() == 2,
              "convt1d: x must be 3D (batch, in_channels, length) or 2D (in_channels, length), got "
              "shape ",
              shape_string(input));
  TORCH_CHECK(weight.dim() == 3,
              "convt1d: weight must be 3D (in_channels, out_channels / groups, kernel_size), got "
              "shape ",
              shape_string(weight));
  TORCH_CHECK(groups >= 1, "convt1d: groups must be at least 1, got ", std::to_string(groups));
  const bool unbatched = input.dim() == 2;  // (C_in, L_in): run as a batch of one
  const int64_t in_channels = input.size(-2);
  TORCH_CHECK(in_channels == weight.size(0), "convt1d: x has ", std::to_string(in_channels),
              " channels but weight.size(0) (in_channels) is ", std::to_string(weight.size(0)),
              "; x shape ",
              shape_string(input), ", weight shape ", shape_string(weight));
  int64_t out_channels = 0;
  TORCH_CHECK(!__builtin_mul_overflow(weight.size(1), groups, &out_channels),
              "convt1d: out_channels = weight.size(1) * groups does not fit in int64");
  if (bias.has_value()) {
    TORCH_CHECK(bias->dim() == 1 && bias->size(0) == out_channels,
                "convt1d: bias must be 1D of length out_channels = weight.size(1) * groups = ",
                std::to_string(out_channels), ", got shape ", shape_string(*bias));
  }

  convt1d::Problem problem;
  problem.batch = unbatched ? 1 : input.size(0);
  problem.in_channels = in_channels;
  problem.out_channels = out_channels;
  problem.in_length = input.size(-1);
  problem.kernel_size = weight.size(2);
  problem.stride = stride;
  problem.padding = padding;
  problem.output_padding = output_padding;
  problem.dilation = dilation;
  problem.groups = groups;
  const convt1d::Status validity = convt1d::validate(problem);
  TORCH_CHECK(validity == convt1d::Status::kSuccess,
              "convt1d: invalid problem: ", convt1d::to_string(validity), " (", describe(problem),
              ")");

  // The library's is_valid() decides; the range test only keeps the cast from wrapping.
  TORCH_CHECK(math >= INT32_MIN && math <= INT32_MAX &&
                  convt1d::is_valid(static_cast<convt1d::MathMode>(math)),
              "convt1d: math must be 0 (exact), 1 (TF32) or 2 (3xTF32), got ",
              std::to_string(math));
  convt1d::Options options;
  options.math = static_cast<convt1d::MathMode>(math);

  // Every argument is checked; from here on the work runs on x's device.
  const c10::cuda::CUDAGuard device_guard(device);
  const at::Tensor x = (unbatched ? input.unsqueeze(0) : input).contiguous();
  const at::Tensor w = weight.contiguous();
  const std::optional<at::Tensor> b =
      bias.has_value() ? std::optional<at::Tensor>(bias->contiguous()) : std::nullopt;
  at::Tensor y = at::empty({problem.batch, problem.out_channels, convt1d::output_length(problem)},
                           x.options());
  const cudaStream_t stream = at::cuda::getCurrentCUDAStream().stream();

  const convt1d_torch::Element element = dtype == at::kFloat  ? convt1d_torch::Element::kFloat32
                                          : dtype == at::kHalf ? convt1d_torch::Element::kFloat16
                                                               : convt1d_torch::Element::kBFloat16;
  // The workspace comes from PyTorch's caching allocator, for this stream: it returns to the
  // cache when the tensor goes out of scope, and only later work on the stream can reuse it.
  const size_t workspace_bytes = convt1d_torch::workspace_size(problem, element, options.math);
  at::Tensor workspace;
  if (workspace_bytes > 0) {
    workspace = at::empty({static_cast<int64_t>(workspace_bytes)}, x.options().dtype(at::kByte));
    options.workspace = workspace.mutable_data_ptr();
    options.workspace_bytes = workspace_bytes;
  }
  const convt1d::Status status = convt1d_torch::launch(
      problem, element, x.const_data_ptr(), w.const_data_ptr(),
      b.has_value() ? b->const_data_ptr() : nullptr, y.mutable_data_ptr(), stream, options);
  if (convt1d::is_cuda_error(status)) {
    const auto cuda_error = static_cast<cudaError_t>(convt1d::cuda_error_code(status));
    TORCH_CHECK(false, "convt1d: CUDA error ", cudaGetErrorName(cuda_error), " (",
                cudaGetErrorString(cuda_error), ") while launching for ", describe(problem));
  }
  TORCH_CHECK(status == convt1d::Status::kSuccess, "convt1d: ", convt1d::to_string(status), " (",
              describe(problem), ")");
  return unbatched ? y.squeeze(0) : y;
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "convt1d: PyTorch's conv_transpose1d (forward) on CUDA, for float32/float16/bfloat16";
  m.def("conv_transpose1d", &conv_transpose1d, pybind11::arg("x"), pybind11::arg("weight"),
        pybind11::arg("bias") = pybind11::none(), pybind11::arg("stride") = 1,
        pybind11::arg("padding") = 0, pybind11::arg("output_padding") = 0,
        pybind11::arg("dilation") = 1, pybind11::arg("groups") = 1, pybind11::arg("math") = 0,
        "y = conv_transpose1d(x, weight, bias, stride, padding, output_padding, dilation, groups, "
        "math) on the current CUDA stream. Note the order: dilation before groups. math: 0 "
        "exact, 1 TF32, 2 3xTF32 (float32 only).");
}
