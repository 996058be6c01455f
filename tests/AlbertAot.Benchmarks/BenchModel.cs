using AlbertAot;

namespace AlbertAot.Benchmarks;

/// <summary>albert-base-v1's shape, random weights (see the project file).</summary>
[AlbertModel("albert-base-random")]
public sealed partial class BenchModel;
