using System;

namespace AlbertAot.CheckpointMaker;

/// <summary>
/// Normal samples from SplitMix64 through Box–Muller. The generator is our own fixed arithmetic so a seed gives the
/// same checkpoint on every .NET version (System.Random's algorithm is not part of its contract).
/// </summary>
internal struct NormalSampler(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A sampler whose stream depends on the seed and a name, so each tensor's values are independent of the others.</summary>
    public static NormalSampler ForStream(ulong seed, string streamName)
    {
        // FNV-1a over the name's UTF-16 code units: string.GetHashCode is randomised per process.
        ulong hash = 0xCBF29CE484222325UL;
        foreach (char c in streamName)
            hash = (hash ^ c) * 0x100000001B3UL;
        return new NormalSampler(Mix(seed) ^ hash);
    }

    /// <summary>Fills <paramref name="destination"/> with N(<paramref name="mean"/>, <paramref name="standardDeviation"/>²) samples.</summary>
    public void Fill(Span<float> destination, double mean, double standardDeviation)
    {
        for (int i = 0; i < destination.Length; i += 2)
        {
            // u1 in (0, 1] keeps the logarithm finite; u2 in [0, 1).
            double u1 = ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));
            double u2 = (NextUInt64() >> 11) * (1.0 / (1UL << 53));
            double radius = standardDeviation * Math.Sqrt(-2.0 * Math.Log(u1));
            (double sin, double cos) = Math.SinCos(2.0 * Math.PI * u2);
            destination[i] = (float)(mean + radius * cos);
            if (i + 1 < destination.Length)
                destination[i + 1] = (float)(mean + radius * sin);
        }
    }

    private ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>SplitMix64's output function (Steele, Lea and Flood, 2014).</summary>
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
