using System;
using System.Numerics.Tensors;

namespace AlbertAot.Kernels;

/// <summary>
/// The activations of HF's ACT2FN that ALBERT configs name, applied in place. The generator picks one at build
/// time; <see cref="Apply"/> is for code that handles any model.
/// </summary>
/// <remarks>
/// <see cref="Gelu"/>, <see cref="GeluTanh"/>, <see cref="QuickGelu"/>, <see cref="Silu"/> and <see cref="Laplace"/>
/// run over Vector512, then Vector256, then Vector128 (each only where the hardware accelerates it), then a scalar
/// tail (see <see cref="ActivationOperators"/>): max abs error against float64 ≤ 2e-6 on [-12, 12].
/// Non-finite inputs give what the textbook formula gives in IEEE arithmetic, on every path (and in the
/// <c>...Scalar</c> references): NaN → NaN. gelu, gelu_new, quick_gelu, silu: +∞ → +∞; −∞ → NaN (the formula's
/// −∞·0); a finite x far below zero → −0 (or a tiny negative value). laplace: +∞ → 1, −∞ → 0.
/// The <c>...Scalar</c> members are the plain per-element formulas in double precision: the references the
/// vector paths are tested against.
/// </remarks>
public static class Activations
{
    private const double SqrtTwoOverPi = 0.79788456080286535588;
    private const double InvSqrt2 = 0.70710678118654752440;
    internal const double LaplaceMu = 0.707107, LaplaceSigma = 0.282095;

    public static void Apply(AlbertActivation activation, Span<float> x)
    {
        switch (activation)
        {
            case AlbertActivation.Gelu: Gelu(x); break;
            case AlbertActivation.GeluTanh: GeluTanh(x); break;
            case AlbertActivation.GeluClipped10: Gelu(x); TensorPrimitives.Clamp(x, -10f, 10f, x); break;
            case AlbertActivation.QuickGelu: QuickGelu(x); break;
            case AlbertActivation.Relu: TensorPrimitives.Max(x, 0f, x); break;
            case AlbertActivation.Relu6: TensorPrimitives.Clamp(x, 0f, 6f, x); break;
            case AlbertActivation.ReluSquared: TensorPrimitives.Max(x, 0f, x); TensorPrimitives.Multiply(x, x, x); break;
            case AlbertActivation.LeakyRelu: for (int i = 0; i < x.Length; i++) x[i] = x[i] >= 0 ? x[i] : 0.01f * x[i]; break;
            case AlbertActivation.Silu: Silu(x); break;
            case AlbertActivation.Mish: for (int i = 0; i < x.Length; i++) x[i] = x[i] * MathF.Tanh(Softplus(x[i])); break;
            case AlbertActivation.Tanh: TensorPrimitives.Tanh(x, x); break;
            case AlbertActivation.Sigmoid: TensorPrimitives.Sigmoid(x, x); break;
            case AlbertActivation.Laplace: Laplace(x); break;
            case AlbertActivation.Identity: break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }
    }

    /// <summary><c>gelu</c>: x·Φ(x) = 0.5·x·(1 + erf(x/√2)), the exact form (PyTorch's default GELU).</summary>
    public static void Gelu(Span<float> x) => ActivationOperators.InPlace<ActivationOperators.GeluOperator>(x);

    /// <summary><c>gelu_new</c>: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).</summary>
    public static void GeluTanh(Span<float> x) => ActivationOperators.InPlace<ActivationOperators.GeluTanhOperator>(x);

    /// <summary><c>quick_gelu</c>: x·σ(1.702·x).</summary>
    public static void QuickGelu(Span<float> x) => ActivationOperators.InPlace<ActivationOperators.QuickGeluOperator>(x);

    /// <summary><c>silu</c> / <c>swish</c>: x·σ(x).</summary>
    public static void Silu(Span<float> x) => ActivationOperators.InPlace<ActivationOperators.SiluOperator>(x);

    public static void Relu(Span<float> x) => TensorPrimitives.Max(x, 0f, x);

    /// <summary><c>laplace</c> (HF's LaplaceActivation with mu 0.707107, sigma 0.282095): Φ((x − mu) / sigma).</summary>
    public static void Laplace(Span<float> x) => ActivationOperators.InPlace<ActivationOperators.LaplaceOperator>(x);

    private static float Softplus(float v) => v > 20f ? v : MathF.Log(1f + MathF.Exp(v)); // PyTorch's threshold 20

    /// <summary>
    /// The error function to about 1.2e-7 relative (Numerical Recipes' erfc Chebyshev fit): .NET has no Math.Erf.
    /// </summary>
    public static double Erf(double x)
    {
        double z = Math.Abs(x);
        double t = 2.0 / (2.0 + z);
        double erfc = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
            t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
            t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1.0 - erfc : erfc - 1.0;
    }

    // The plain references: one element at a time, in double, by the textbook formula.

    internal static void GeluScalar(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(0.5 * x[i] * (1.0 + Erf(x[i] * InvSqrt2)));
    }

    internal static void GeluTanhScalar(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            x[i] = (float)(0.5 * v * (1.0 + Math.Tanh(SqrtTwoOverPi * (v + 0.044715 * v * v * v))));
        }
    }

    internal static void QuickGeluScalar(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = (float)(x[i] / (1.0 + Math.Exp(-1.702 * x[i])));
    }

    internal static void SiluScalar(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = (float)(x[i] / (1.0 + Math.Exp(-(double)x[i])));
    }

    internal static void LaplaceScalar(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
            x[i] = (float)(0.5 * (1.0 + Erf((x[i] - LaplaceMu) / (LaplaceSigma * Math.Sqrt(2.0)))));
    }
}
