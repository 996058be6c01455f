using System;
using System.Collections.Generic;
using System.Text;

namespace AlbertAot.Tokenization;

/// <summary>
/// A trie over UTF-8 bytes mapping keys to non-negative values, walked one byte at a time: the prefix searches
/// of the Unigram lattice (pieces) and of sentencepiece's user-defined-symbol matcher. Children are stored in
/// flat arrays sorted by byte (compressed sparse rows), so a walk allocates nothing.
/// </summary>
internal sealed class ByteTrie
{
    /// <summary>The root node, where every walk starts.</summary>
    public const int Root = 0;

    private readonly int[] _firstChild;   // per node: index of its first child in _childBytes/_childNodes; one extra entry ends the last
    private readonly byte[] _childBytes;
    private readonly int[] _childNodes;
    private readonly int[] _values;       // per node: the value of the key ending there, or -1

    /// <param name="keys">Distinct, non-empty keys with their values (≥ 0).</param>
    public ByteTrie(IEnumerable<(string Key, int Value)> keys)
    {
        // Build with per-node sorted maps, then lay the nodes out breadth-first.
        var children = new List<SortedList<byte, int>> { new() };
        var values = new List<int> { -1 };
        foreach ((string key, int value) in keys)
        {
            int node = Root;
            foreach (byte b in Encoding.UTF8.GetBytes(key))
            {
                if (!children[node].TryGetValue(b, out int child))
                {
                    child = children.Count;
                    children.Add(new SortedList<byte, int>());
                    values.Add(-1);
                    children[node].Add(b, child);
                }
                node = child;
            }
            values[node] = value;
        }

        int count = children.Count;
        var order = new int[count];     // breadth-first position -> build node
        var position = new int[count];  // build node -> breadth-first position
        int next = 1;
        for (int i = 0; i < count; i++)
        {
            foreach (int child in children[order[i]].Values)
            {
                position[child] = next;
                order[next++] = child;
            }
        }

        _firstChild = new int[count + 1];
        _childBytes = new byte[count - 1];
        _childNodes = new int[count - 1];
        _values = new int[count];
        int edge = 0;
        for (int i = 0; i < count; i++)
        {
            _firstChild[i] = edge;
            _values[i] = values[order[i]];
            foreach (KeyValuePair<byte, int> child in children[order[i]])
            {
                _childBytes[edge] = child.Key;
                _childNodes[edge++] = position[child.Value];
            }
        }
        _firstChild[count] = edge;
    }

    /// <summary>The child of <paramref name="node"/> along <paramref name="b"/>, or -1 when no key continues that way.</summary>
    public int Step(int node, byte b)
    {
        int lo = _firstChild[node], hi = _firstChild[node + 1] - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            byte label = _childBytes[mid];
            if (label == b) return _childNodes[mid];
            if (label < b) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>The value of the key that ends at <paramref name="node"/>, or -1 when none does.</summary>
    public int ValueAt(int node) => _values[node];

    /// <summary>The length in bytes of the longest key that is a prefix of <paramref name="text"/>, or 0.</summary>
    public int LongestPrefixLength(ReadOnlySpan<byte> text)
    {
        int longest = 0;
        int node = Root;
        for (int i = 0; i < text.Length; i++)
        {
            node = Step(node, text[i]);
            if (node < 0) break;
            if (_values[node] >= 0) longest = i + 1;
        }
        return longest;
    }
}
