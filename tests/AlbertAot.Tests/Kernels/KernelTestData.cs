using System;

namespace AlbertAot.Tests.Kernels;

/// <summary>Inputs and float64 references shared by the kernel tests.</summary>
public static class KernelTestData
{
    /// <summary>
    /// Lengths that exercise every vector width and every scalar tail: below one Vector128 (1, 3), one short of, equal
    /// to and one past the widths 8/16/32 (Vector256, Vector512, the 2×Vector512 unroll of Dot), mixed remainders
    /// (47 = 32 + 8 + 4 + 3, 100), and ALBERT's hidden size 768.
    /// </summary>
    public static readonly int[] Lengths = { 1, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 64, 100, 768 };

    /// <summary>The <see cref="Lengths"/> as theory data.</summary>
    public static Xunit.TheoryData<int> LengthData()
    {
        var data = new Xunit.TheoryData<int>();
        foreach (int n in Lengths) data.Add(n);
        return data;
    }

    public static float[] Uniform(Random random, int n, float min, float max)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(min + (max - min) * random.NextDouble());
        return values;
    }

    /// <summary>Standard normal values (Box-Muller) times <paramref name="scale"/> plus <paramref name="offset"/>.</summary>
    public static float[] Normal(Random random, int n, float scale = 1f, float offset = 0f)
    {
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            values[i] = (float)(offset + scale * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        }
        return values;
    }

    /// <summary>
    /// erfc in double to about 1e-15 relative, independent of the kernels' Numerical Recipes fit: the Maclaurin
    /// series of erf below 2, Lentz's continued fraction of erfc from 2 up.
    /// </summary>
    public static double Erfc(double z)
    {
        if (double.IsNaN(z)) return double.NaN;
        if (z < 0) return 2.0 - Erfc(-z);
        if (z < 2.0) return 1.0 - ErfSeries(z);
        if (z > 27.0) return 0.0; // below double's smallest subnormal
        // erfc(z) = exp(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + ...))))).
        const double tiny = 1e-300;
        double f = z, c = z, d = 0.0;
        for (int k = 1; k < 500; k++)
        {
            double a = k * 0.5;
            d = z + a * d;
            if (d == 0) d = tiny;
            c = z + a / c;
            if (c == 0) c = tiny;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1.0) < 1e-16) break;
        }
        return Math.Exp(-z * z) / (Math.Sqrt(Math.PI) * f);
    }

    public static double Erf(double z) => Math.Abs(z) < 2.0 ? ErfSeries(z) : (z > 0 ? 1.0 - Erfc(z) : Erfc(-z) - 1.0);

    private static double ErfSeries(double z)
    {
        // erf(z) = 2/√π · Σ (−1)ⁿ z^(2n+1) / (n!·(2n+1)).
        double term = z, sum = z, z2 = z * z;
        for (int n = 1; n < 200; n++)
        {
            term *= -z2 / n;
            double contribution = term / (2 * n + 1);
            sum += contribution;
            if (Math.Abs(contribution) < 1e-17 * Math.Abs(sum)) break;
        }
        return 2.0 / Math.Sqrt(Math.PI) * sum;
    }

    /// <summary>Φ(x), the standard normal CDF, without cancellation on either side.</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2.0));

    /// <summary>Bit-exact equality that treats every NaN as equal to every NaN.</summary>
    public static bool SameOrBothNaN(float a, float b) => (float.IsNaN(a) && float.IsNaN(b)) || a.Equals(b);
}
