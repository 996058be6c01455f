using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using AlbertAot.Tokenization;
using Xunit;

namespace AlbertAot.Tests.Tokenization;

/// <summary>The trie against a dictionary: every prefix of random keys (shared prefixes, multi-byte UTF-8, repeats).</summary>
public class ByteTrieTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AgreesWithADictionaryOnEveryPrefix(int seed)
    {
        var random = new Random(seed);
        string alphabet = "ab▁é漢\U0001F600z";
        var keys = new List<(string, int)>();
        for (int i = 0; i < 3000; i++)
        {
            int length = 1 + random.Next(6);
            var text = new StringBuilder();
            for (int j = 0; j < length; j++)
            {
                int c = random.Next(alphabet.Length - 1);
                if (char.IsHighSurrogate(alphabet[c])) text.Append(alphabet, c, 2);
                else if (char.IsLowSurrogate(alphabet[c])) text.Append('z');
                else text.Append(alphabet[c]);
            }
            keys.Add((text.ToString(), i));
        }
        keys.Add((keys[10].Item1, 99999)); // a repeated key: the later value wins
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in keys) expected[key] = value;
        var bytesToValue = expected.ToDictionary(p => Convert.ToHexString(Encoding.UTF8.GetBytes(p.Key)), p => p.Value);

        var trie = new ByteTrie(keys);
        var prefixes = new HashSet<string>();
        foreach (var key in expected.Keys)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(key);
            for (int n = 1; n <= utf8.Length; n++) prefixes.Add(Convert.ToHexString(utf8, 0, n));
        }
        foreach (string hex in prefixes)
        {
            byte[] utf8 = Convert.FromHexString(hex);
            int node = ByteTrie.Root;
            foreach (byte b in utf8) node = trie.Step(node, b);
            Assert.True(node > 0, hex);
            Assert.Equal(bytesToValue.TryGetValue(hex, out int v) ? v : -1, trie.ValueAt(node));
        }
        Assert.Equal(99999, Walk(trie, keys[10].Item1));
        Assert.Equal(-1, trie.ValueAt(ByteTrie.Root));
        Assert.Equal(-1, trie.Step(ByteTrie.Root, (byte)'q')); // no key starts with q
        byte[] input = Encoding.UTF8.GetBytes(keys[5].Item1 + "qqq");
        int longest = 0;
        for (int n = 1; n <= input.Length; n++)
            if (bytesToValue.ContainsKey(Convert.ToHexString(input, 0, n))) longest = n;
        Assert.Equal(longest, trie.LongestPrefixLength(input));
    }

    [Fact]
    public void EmptyTrieAndEmptyKey()
    {
        var empty = new ByteTrie([]);
        Assert.Equal(-1, empty.Step(ByteTrie.Root, 0));
        Assert.Equal(0, empty.LongestPrefixLength("abc"u8));
        var withEmpty = new ByteTrie([("", 7), ("a", 1)]);
        Assert.Equal(7, withEmpty.ValueAt(ByteTrie.Root));
        Assert.Equal(1, withEmpty.ValueAt(withEmpty.Step(ByteTrie.Root, (byte)'a')));
    }

    private static int Walk(ByteTrie trie, string key)
    {
        int node = ByteTrie.Root;
        foreach (byte b in Encoding.UTF8.GetBytes(key)) node = trie.Step(node, b);
        return trie.ValueAt(node);
    }
}
