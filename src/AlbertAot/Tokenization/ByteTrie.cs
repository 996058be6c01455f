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

    // Nodes are numbered breadth-first, children in byte order, so the children of a node are consecutive nodes and
    // the edge into node n is edge n − 1: one array of edge labels and one of first-edge indices describe the tree.
    private readonly int[] _firstChild;   // per node: index of its first edge in _childBytes; one extra entry ends the last
    private readonly byte[] _childBytes;  // edge e leads to node e + 1
    private readonly int[] _values;       // per node: the value of the key ending there, or -1

    /// <param name="keys">Distinct, non-empty keys with their values (≥ 0); a repeated key keeps its later value.</param>
    public ByteTrie(IEnumerable<(string Key, int Value)> keys)
    {
        // Start-up cost matters (the tokenizer builds this from 30,000 pieces before the first answer). The keys go into
        // one UTF-8 buffer and are sorted bytewise; then the tree is laid out one depth at a time: at depth d the nodes
        // are the distinct (d + 1)-byte prefixes, which in sorted order come grouped by parent and ordered by byte,
        // exactly breadth-first order. Work and memory are linear in the keys' bytes; no per-node objects.
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

        // Sort: by the first 8 bytes as a big-endian number (a primitive sort), then runs sharing them by the whole key;
        // equal keys keep their input order, so the later value is the one written last.
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
            return order != 0 ? order : a.CompareTo(b);
        };
        for (int run = 0, end = 1; run < keyCount; run = end, end = run + 1)
        {
            while (end < keyCount && prefixes[end] == prefixes[run]) end++;
            if (end - run > 1) sorted.AsSpan(run, end - run).Sort(byKey);
        }

        // The keys' bytes again, in sorted order: the passes below then read memory front to back.
        var sortedBytes = new byte[bytes.Length];
        var start = new int[keyCount + 1];
        for (int i = 0, at = 0; i < keyCount; i++)
        {
            int k = sorted[i], length = offsets[k + 1] - offsets[k];
            bytes.AsSpan(offsets[k], length).CopyTo(sortedBytes.AsSpan(at));
            start[i] = at;
            at += length;
            start[i + 1] = at;
        }

        // Level by level. active: the keys (indices into the sorted order) longer than the depth; node[i]: the node of
        // active[i]'s d-byte prefix.
        int capacity = bytes.Length + 1;
        var firstChild = new int[capacity + 1];
        var childBytes = new byte[capacity];
        var values = new int[capacity];
        values[Root] = -1;
        int count = 1, edges = 0, nextParent = 0;
        var active = new List<int>(keyCount);
        var node = new List<int>(keyCount);
        for (int i = 0; i < keyCount; i++)
        {
            if (start[i + 1] > start[i]) { active.Add(i); node.Add(Root); }
            else values[Root] = keyValues[sorted[i]]; // an empty key ends at the root
        }
        for (int depth = 0; active.Count > 0; depth++)
        {
            int kept = 0, previousParent = -1, previousByte = -1, previousChild = -1;
            for (int i = 0; i < active.Count; i++)
            {
                int k = active[i], parent = node[i];
                byte b = sortedBytes[start[k] + depth];
                int child;
                if (parent == previousParent && b == previousByte) child = previousChild;
                else
                {
                    // A new node; its parent's first edge is recorded when the parent gets its first child.
                    child = count++;
                    while (nextParent <= parent) firstChild[nextParent++] = edges;
                    childBytes[edges++] = b;
                    values[child] = -1;
                    (previousParent, previousByte, previousChild) = (parent, b, child);
                }
                if (start[k] + depth + 1 == start[k + 1]) values[child] = keyValues[sorted[k]]; // the key ends here
                else
                {
                    active[kept] = k;
                    node[kept++] = child;
                }
            }
            active.RemoveRange(kept, active.Count - kept);
            node.RemoveRange(kept, node.Count - kept);
        }
        while (nextParent <= count) firstChild[nextParent++] = edges; // leaves, and the end of the last node

        _firstChild = firstChild.AsSpan(0, count + 1).ToArray();
        _childBytes = childBytes.AsSpan(0, edges).ToArray();
        _values = values.AsSpan(0, count).ToArray();
    }

    /// <summary>The child of <paramref name="node"/> along <paramref name="b"/>, or -1 when no key continues that way.</summary>
    public int Step(int node, byte b)
    {
        int lo = _firstChild[node], hi = _firstChild[node + 1] - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            byte label = _childBytes[mid];
            if (label == b) return mid + 1;
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
