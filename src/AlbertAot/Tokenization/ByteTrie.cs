using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
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
        // Start-up cost matters (the tokenizer builds this from 30,000 pieces before the first answer): nodes are plain
        // int arrays (first child / next sibling), at most one per key byte plus the root; no per-node maps.
        var offsets = new List<int> { 0 };
        var keyValues = new List<int>();
        var utf8 = new List<byte>();
        foreach ((string key, int keyValue) in keys)
        {
            int length = Encoding.UTF8.GetByteCount(key);
            int at = utf8.Count;
            CollectionsMarshal.SetCount(utf8, at + length);
            Encoding.UTF8.GetBytes(key, CollectionsMarshal.AsSpan(utf8).Slice(at, length));
            offsets.Add(at + length);
            keyValues.Add(keyValue);
        }
        byte[] bytes = utf8.ToArray();
        int keyCount = keyValues.Count;

        // Sort the keys bytewise: by their first 8 bytes as a big-endian number (a primitive sort), then runs that share
        // those bytes by the whole key. Inserted in that order, a node's children arrive in byte order and a key can
        // only continue along the node's latest child: the build walks memory sequentially.
        var prefixes = new ulong[keyCount];
        var sorted = new int[keyCount];
        for (int k = 0; k < keyCount; k++)
        {
            ulong prefix = 0;
            for (int i = 0; i < 8; i++)
                prefix = (prefix << 8) | (offsets[k] + i < offsets[k + 1] ? bytes[offsets[k] + i] : 0u);
            prefixes[k] = prefix;
            sorted[k] = k;
        }
        Array.Sort(prefixes, sorted);
        Comparison<int> byKey = (a, b) =>
        {
            int order = bytes.AsSpan(offsets[a], offsets[a + 1] - offsets[a]).SequenceCompareTo(bytes.AsSpan(offsets[b], offsets[b + 1] - offsets[b]));
            return order != 0 ? order : a.CompareTo(b); // a repeated key: the later one's value wins
        };
        for (int run = 0, end = 1; run < keyCount; run = end, end = run + 1)
        {
            while (end < keyCount && prefixes[end] == prefixes[run]) end++;
            if (end - run > 1) sorted.AsSpan(run, end - run).Sort(byKey);
        }

        int capacity = bytes.Length + 1;
        var label = new byte[capacity];
        var firstChild = new int[capacity];
        var lastChild = new int[capacity];
        var nextSibling = new int[capacity];
        var value = new int[capacity];
        firstChild.AsSpan().Fill(-1);
        lastChild.AsSpan().Fill(-1);
        nextSibling.AsSpan().Fill(-1);
        value.AsSpan().Fill(-1);
        int count = 1;
        foreach (int k in sorted)
        {
            int node = Root;
            for (int i = offsets[k]; i < offsets[k + 1]; i++)
            {
                byte b = bytes[i];
                int last = lastChild[node];
                if (last >= 0 && label[last] == b)
                {
                    node = last;
                    continue;
                }
                int child = count++;
                label[child] = b;
                if (last >= 0) nextSibling[last] = child;
                else firstChild[node] = child;
                lastChild[node] = child;
                node = child;
            }
            value[node] = keyValues[k];
        }

        // Lay the nodes out breadth-first: each node's children contiguous (and sorted) for the binary search in Step.
        var order = new int[count];     // breadth-first position -> build node
        var position = new int[count];  // build node -> breadth-first position
        int next = 1;
        for (int i = 0; i < count; i++)
        {
            for (int child = firstChild[order[i]]; child >= 0; child = nextSibling[child])
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
            _values[i] = value[order[i]];
            for (int child = firstChild[order[i]]; child >= 0; child = nextSibling[child])
            {
                _childBytes[edge] = label[child];
                _childNodes[edge++] = position[child];
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
