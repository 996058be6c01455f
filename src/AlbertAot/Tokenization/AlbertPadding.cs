namespace AlbertAot.Tokenization;

/// <summary>How <see cref="AlbertTokenizer.EncodeBatch"/> pads (HF's <c>padding</c> argument). Padding goes on the right.</summary>
public enum AlbertPadding
{
    /// <summary>No padding: each encoding keeps its own length (HF's <c>padding=False</c>).</summary>
    None,

    /// <summary>Pad to the longest encoding of the batch (HF's <c>padding=True</c> / <c>"longest"</c>).</summary>
    Longest,

    /// <summary>Pad every encoding to the batch's maximum length (HF's <c>padding="max_length"</c>); needs one.</summary>
    MaxLength,
}
