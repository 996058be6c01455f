using System;

namespace AlbertAot.Weights;

/// <summary>The embedded checkpoint is missing or does not match the code generated from it.</summary>
public sealed class AlbertCheckpointException(string message) : Exception(message);
