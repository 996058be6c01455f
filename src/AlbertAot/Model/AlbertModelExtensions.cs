using System;

namespace AlbertAot;

/// <summary>
/// The allocation-free members of <see cref="IAlbertModel"/>, callable on a variable of a generated model class's own
/// type (interface default members are only visible through the interface).
/// </summary>
public static class AlbertModelExtensions
{
    /// <inheritdoc cref="IAlbertModel.Forward(AlbertInputs, AlbertOutputBuffers)"/>
    public static void Forward(this IAlbertModel model, AlbertInputs inputs, AlbertOutputBuffers buffers)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.Forward(inputs, buffers);
    }

    /// <inheritdoc cref="IAlbertModel.MlmLogitsAt(AlbertInputs, ReadOnlySpan{ValueTuple{int, int}}, Span{float})"/>
    public static void MlmLogitsAt(this IAlbertModel model, AlbertInputs inputs, ReadOnlySpan<(int Batch, int Position)> positions, Span<float> logits)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.MlmLogitsAt(inputs, positions, logits);
    }
}
