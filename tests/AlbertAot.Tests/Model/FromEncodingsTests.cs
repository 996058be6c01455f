using AlbertAot.Tests.Fixtures;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Model;

public class FromEncodingsTests
{
    [Fact]
    public void A_padded_batch_gives_each_text_what_it_gets_alone()
    {
        var model = new TinyHeadsBaseModel();
        AlbertTokenizer tokenizer = TinyHeadsBaseModel.ModelTokenizer;
        string[] texts = ["and god said", "in the beginning god created the heaven and the earth"];
        AlbertInputs batch = AlbertInputs.FromEncodings(tokenizer.EncodeBatch(texts));
        FloatTensor together = model.Forward(batch).LastHiddenState!;
        for (int b = 0; b < texts.Length; b++)
        {
            AlbertEncoding alone = tokenizer.Encode(texts[b]);
            FloatTensor single = model.Forward(AlbertInputs.FromEncodings([alone])).LastHiddenState!;
            for (int s = 0; s < alone.Length; s++)
                for (int k = 0; k < TinyHeadsBaseModel.HiddenSize; k++)
                    Assert.Equal(single[0, s, k], together[b, s, k], 5e-6f);
        }
    }
}
