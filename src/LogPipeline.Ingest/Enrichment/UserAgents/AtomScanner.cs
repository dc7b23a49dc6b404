namespace LogPipeline.Ingest.Enrichment.UserAgents;

/// <summary>
/// Finds, in one pass over a user agent, every atom (case-folded literal) of every rule: an Aho-Corasick automaton
/// compiled to a dense DFA over the atoms' alphabet. A 64K-entry table maps each UTF-16 unit straight to its folded
/// alphabet symbol (0 = a character no atom contains), so the scan is one table read and one transition per char.
/// Immutable after construction; any thread may scan.
/// </summary>
internal sealed class AtomScanner
{
    private readonly ushort[] _symbolOf;
    private readonly int _symbols;
    private readonly int[] _delta;

    /// <summary>The atom ending at each state (-1: none), and the next state on its suffix chain that ends one (0: none).</summary>
    private readonly int[] _atomAt;
    private readonly int[] _outputLink;

    public AtomScanner(IReadOnlyList<string> atoms)
    {
        AtomCount = atoms.Count;
        var alphabet = new Dictionary<char, ushort>();
        foreach (var atom in atoms)
        {
            foreach (var c in atom)
            {
                if (!alphabet.ContainsKey(c))
                {
                    alphabet[c] = (ushort)(alphabet.Count + 1);
                }
            }
        }

        if (alphabet.Count >= ushort.MaxValue)
        {
            throw new ArgumentException("too many distinct atom characters", nameof(atoms));
        }

        _symbols = alphabet.Count + 1;
        _symbolOf = new ushort[char.MaxValue + 1];
        for (var c = 0; c <= char.MaxValue; c++)
        {
            _symbolOf[c] = alphabet.GetValueOrDefault(CaseFold.Fold((char)c));
        }

        // The trie (state 0 = root), as sparse children first.
        var children = new List<Dictionary<int, int>> { new() };
        var atomAt = new List<int> { -1 };
        for (var i = 0; i < atoms.Count; i++)
        {
            var state = 0;
            foreach (var c in atoms[i])
            {
                var symbol = alphabet[c];
                if (!children[state].TryGetValue(symbol, out var next))
                {
                    next = children.Count;
                    children[state][symbol] = next;
                    children.Add([]);
                    atomAt.Add(-1);
                }

                state = next;
            }

            if (atomAt[state] >= 0)
            {
                throw new ArgumentException($"duplicate atom '{atoms[i]}'", nameof(atoms));
            }

            atomAt[state] = i;
        }

        var states = children.Count;
        _delta = new int[states * _symbols];
        _atomAt = [.. atomAt];
        _outputLink = new int[states];
        var fail = new int[states];

        // Breadth-first: a state's failure (longest proper suffix that is a trie state) is known before its children's;
        // the root's children fail to the root (fail[] starts at 0).
        var queue = new Queue<int>();
        foreach (var (symbol, child) in children[0])
        {
            _delta[symbol] = child;
            queue.Enqueue(child);
        }

        while (queue.Count > 0)
        {
            var state = queue.Dequeue();
            var f = fail[state];
            _outputLink[state] = _atomAt[f] >= 0 ? f : _outputLink[f];
            for (var symbol = 0; symbol < _symbols; symbol++)
            {
                if (symbol != 0 && children[state].TryGetValue(symbol, out var child))
                {
                    _delta[(state * _symbols) + symbol] = child;
                    fail[child] = _delta[(f * _symbols) + symbol];
                    queue.Enqueue(child);
                }
                else
                {
                    _delta[(state * _symbols) + symbol] = _delta[(f * _symbols) + symbol];
                }
            }
        }

        StateCount = states;
    }

    public int AtomCount { get; }

    public int StateCount { get; }

    /// <summary>ulongs needed for a "found" bit set.</summary>
    public int Words => (AtomCount + 63) / 64;

    /// <summary>Sets bit i of <paramref name="found"/> for every atom i occurring in <paramref name="text"/> (after folding).</summary>
    public void Scan(ReadOnlySpan<char> text, Span<ulong> found)
    {
        var delta = _delta;
        var symbolOf = _symbolOf;
        var symbols = _symbols;
        var state = 0;
        foreach (var c in text)
        {
            state = delta[(state * symbols) + symbolOf[c]];
            if (state == 0)
            {
                continue;
            }

            var s = _atomAt[state] >= 0 ? state : _outputLink[state];
            while (s != 0)
            {
                var atom = _atomAt[s];
                found[atom >> 6] |= 1UL << atom;
                s = _outputLink[s];
            }
        }
    }
}
