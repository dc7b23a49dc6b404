using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LogPipeline.Bench.Workloads;

namespace LogPipeline.Bench.Ingest;

/// <summary>
/// A cheap <c>_bulk</c> endpoint for the ingest benchmark, so the harness does not out-eat the worker on the
/// same cores: raw HTTP/1.1 over a loopback socket, no HttpListener, no JSON DOM. It scans the NDJSON body
/// line by line, remembers every <c>_id</c> (409 for one already seen, so exactly-once is still checked),
/// reports each document's sequence number to <see cref="IndexedClock"/>, and answers what Elasticsearch
/// would: one item per action, in order, honouring the worker's <c>filter_path</c> (items without
/// <c>_id</c>/<c>_index</c> when it filters them out). Documents are not parsed or stored.
/// A BENCH TOOL ONLY: never a runtime component and never a test double for behaviour.
/// </summary>
public sealed class BulkSink : IDisposable
{
    private static ReadOnlySpan<byte> IdMarker => "\"_id\":\""u8;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly HashSet<UInt128> _ids = [];
    private readonly HashSet<string> _otherIds = new(StringComparer.Ordinal);
    private readonly IndexedClock _indexed;
    private readonly List<Task> _connections = [];
    private readonly Task _acceptLoop;
    private long _actions;
    private long _duplicates;
    private long _bodyBytes;
    private long _requests;

    private BulkSink(TcpListener listener, IndexedClock indexed)
    {
        _listener = listener;
        _indexed = indexed;
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    /// <summary>Action lines received (duplicates included).</summary>
    public long Actions => Interlocked.Read(ref _actions);

    /// <summary>Actions answered 409 because their <c>_id</c> had been seen before.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long BodyBytes => Interlocked.Read(ref _bodyBytes);

    public long Requests => Interlocked.Read(ref _requests);

    public static BulkSink Start(IndexedClock indexed)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start(64);
        return new BulkSink(listener, indexed);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
            Task[] open;
            lock (_gate)
            {
                open = [.. _connections];
            }

            Task.WaitAll(open, TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Connections cut at shutdown end with socket errors; nothing is left to report.
        }

        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            lock (_gate)
            {
                _connections.RemoveAll(t => t.IsCompleted);
                _connections.Add(Task.Run(() => ServeAsync(socket)));
            }
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        using var stream = new NetworkStream(socket, ownsSocket: true);
        var reader = new RequestReader(stream);
        var answer = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (await reader.ReadRequestAsync(_stop.Token))
            {
                answer.ResetWrittenCount();
                var status = Answer(reader, answer);
                var head = string.Create(
                    CultureInfo.InvariantCulture,
                    $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Not Found")}\r\nContent-Type: application/json; charset=UTF-8\r\nX-Elastic-Product: Elasticsearch\r\nContent-Length: {(reader.Method == "HEAD" ? 0 : answer.WrittenCount)}\r\n\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                if (reader.Method != "HEAD")
                {
                    await stream.WriteAsync(answer.WrittenMemory, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidDataException)
        {
            // The worker closed the connection or the sink is stopping.
        }
    }

    private int Answer(RequestReader request, ArrayBufferWriter<byte> answer)
    {
        var path = request.Path;
        var q = path.IndexOf('?', StringComparison.Ordinal);
        var query = q >= 0 ? path[(q + 1)..] : string.Empty;
        path = q >= 0 ? path[..q] : path;
        if (request.Method == "POST" && path.EndsWith("/_bulk", StringComparison.Ordinal))
        {
            Bulk(request.Body.Span, KeepsIds(query), answer);
            return 200;
        }

        if (path == "/")
        {
            answer.Write("""{"name":"bench-bulk-sink","cluster_name":"bench","version":{"number":"9.1.0","build_flavor":"default"},"tagline":"You Know, for Search"}"""u8);
            return 200;
        }

        if (path.StartsWith("/_index_template/", StringComparison.Ordinal) || path.StartsWith("/_component_template/", StringComparison.Ordinal))
        {
            // The worker checks (and would put) its templates at start; the sink stores nothing, so it says "present".
            answer.Write("""{"acknowledged":true,"index_templates":[]}"""u8);
            return 200;
        }

        answer.Write("""{"error":{"type":"bench_sink","reason":"the bench sink serves /, templates and _bulk only"},"status":404}"""u8);
        return 404;
    }

    /// <summary>False when the request's filter_path names item fields but not <c>_id</c> (as the worker's does).</summary>
    private static bool KeepsIds(string query)
    {
        foreach (var part in query.Split('&'))
        {
            if (part.StartsWith("filter_path=", StringComparison.Ordinal))
            {
                var filter = Uri.UnescapeDataString(part["filter_path=".Length..]);
                return filter.Contains("_id", StringComparison.Ordinal) || !filter.Contains("items", StringComparison.Ordinal);
            }
        }

        return true;
    }

    private void Bulk(ReadOnlySpan<byte> body, bool withIds, ArrayBufferWriter<byte> answer)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _bodyBytes, body.Length);
        // Items first (into a scratch area of the answer), then "errors" in front once it is known: Elasticsearch
        // puts errors before items, and the worker relies on that to stop reading early.
        var items = new ArrayBufferWriter<byte>(Math.Max(256, body.Length / 16));
        var errors = false;
        var actions = 0;
        var duplicates = 0;
        lock (_gate)
        {
            while (!body.IsEmpty)
            {
                var actionLine = NextLine(ref body);
                if (actionLine.IsEmpty)
                {
                    continue;
                }

                var document = NextLine(ref body);
                var action = ActionName(actionLine);
                var id = IdOf(actionLine);
                var fresh = id.IsEmpty || Remember(id);
                if (fresh)
                {
                    _indexed.OnSeq(LineGenerator.ParseSeq(document));
                }
                else
                {
                    errors = true;
                    duplicates++;
                }

                actions++;
                items.Write(actions == 1 ? "{\""u8 : ",{\""u8);
                items.Write(action);
                items.Write("\":{"u8);
                if (withIds)
                {
                    items.Write("\"_index\":\"bench\",\"_id\":\""u8);
                    items.Write(id);
                    items.Write("\","u8);
                }

                items.Write(fresh
                    ? "\"status\":201}}"u8
                    : "\"status\":409,\"error\":{\"type\":\"version_conflict_engine_exception\",\"reason\":\"document already exists\"}}}"u8);
            }
        }

        Interlocked.Add(ref _actions, actions);
        Interlocked.Add(ref _duplicates, duplicates);
        answer.Write(errors ? "{\"errors\":true,\"took\":0,\"items\":["u8 : "{\"errors\":false,\"took\":0,\"items\":["u8);
        answer.Write(items.WrittenSpan);
        answer.Write("]}"u8);
    }

    /// <summary>
    /// Under the lock. A 22-character base64url id (the worker's: truncated SHA-256) is kept as its first 126 bits,
    /// no string per document; at these counts that is as collision-free as the id itself. Other ids are strings.
    /// </summary>
    private bool Remember(ReadOnlySpan<byte> id)
    {
        Span<byte> decoded = stackalloc byte[16];
        if (id.Length == 22
            && Base64Url.DecodeFromUtf8(id[..20], decoded, out _, out var written) == OperationStatus.Done && written == 15
            && Base64Url.DecodeFromUtf8(id.Slice(20, 2), decoded[15..], out _, out var tail) == OperationStatus.Done && tail == 1)
        {
            return _ids.Add(new UInt128(BitConverter.ToUInt64(decoded[..8]), BitConverter.ToUInt64(decoded[8..])));
        }

        return _otherIds.Add(Encoding.UTF8.GetString(id));
    }

    private static ReadOnlySpan<byte> NextLine(ref ReadOnlySpan<byte> body)
    {
        var end = body.IndexOf((byte)'\n');
        var line = end < 0 ? body : body[..end];
        body = end < 0 ? [] : body[(end + 1)..];
        return line;
    }

    private static ReadOnlySpan<byte> ActionName(ReadOnlySpan<byte> actionLine)
    {
        var open = actionLine.IndexOf((byte)'"');
        var close = open < 0 ? -1 : actionLine[(open + 1)..].IndexOf((byte)'"');
        return close < 0 ? "index"u8 : actionLine.Slice(open + 1, close);
    }

    private static ReadOnlySpan<byte> IdOf(ReadOnlySpan<byte> actionLine)
    {
        var at = actionLine.IndexOf(IdMarker);
        if (at < 0)
        {
            return [];
        }

        var rest = actionLine[(at + IdMarker.Length)..];
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? [] : rest[..end];
    }

    /// <summary>Reads HTTP/1.1 requests off one keep-alive connection: Content-Length or chunked bodies.</summary>
    private sealed class RequestReader(Stream stream)
    {
        private byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;
        private byte[] _body = new byte[1024 * 1024];
        private int _bodyLength;

        public string Method { get; private set; } = string.Empty;

        public string Path { get; private set; } = string.Empty;

        public ReadOnlyMemory<byte> Body => _body.AsMemory(0, _bodyLength);

        public async Task<bool> ReadRequestAsync(CancellationToken cancel)
        {
            var requestLine = await ReadLineAsync(cancel);
            if (requestLine is null)
            {
                return false;
            }

            var parts = requestLine.Split(' ');
            if (parts.Length < 2)
            {
                throw new InvalidDataException("bad request line: " + requestLine);
            }

            Method = parts[0];
            Path = parts[1];
            long contentLength = 0;
            var chunked = false;
            while (await ReadLineAsync(cancel) is { Length: > 0 } header)
            {
                var colon = header.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    continue;
                }

                var name = header.AsSpan(0, colon).Trim();
                var value = header.AsSpan(colon + 1).Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    contentLength = long.Parse(value, CultureInfo.InvariantCulture);
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = value.Contains("chunked", StringComparison.OrdinalIgnoreCase);
                }
                else if (name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase) && !value.Equals("identity", StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidDataException("the bench sink does not decompress bodies");
                }
            }

            _bodyLength = 0;
            if (chunked)
            {
                while (true)
                {
                    var sizeLine = await ReadLineAsync(cancel) ?? throw new InvalidDataException("truncated chunked body");
                    var size = int.Parse(sizeLine.AsSpan(0, sizeLine.IndexOf(';', StringComparison.Ordinal) is var semi and >= 0 ? semi : sizeLine.Length), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (size == 0)
                    {
                        while (await ReadLineAsync(cancel) is { Length: > 0 })
                        {
                        }

                        break;
                    }

                    await ReadBodyAsync(size, cancel);
                    _ = await ReadLineAsync(cancel);
                }
            }
            else
            {
                await ReadBodyAsync((int)contentLength, cancel);
            }

            return true;
        }

        private async Task ReadBodyAsync(int count, CancellationToken cancel)
        {
            if (_bodyLength + count > _body.Length)
            {
                Array.Resize(ref _body, Math.Max(_bodyLength + count, _body.Length * 2));
            }

            var buffered = Math.Min(count, _end - _start);
            _buffer.AsSpan(_start, buffered).CopyTo(_body.AsSpan(_bodyLength));
            _start += buffered;
            _bodyLength += buffered;
            count -= buffered;
            while (count > 0)
            {
                var read = await stream.ReadAsync(_body.AsMemory(_bodyLength, count), cancel);
                if (read == 0)
                {
                    throw new IOException("connection closed inside a body");
                }

                _bodyLength += read;
                count -= read;
            }
        }

        /// <summary>A CRLF-terminated ASCII line without the CRLF; null at a clean end of stream.</summary>
        private async Task<string?> ReadLineAsync(CancellationToken cancel)
        {
            while (true)
            {
                var lf = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
                if (lf >= 0)
                {
                    var line = _buffer.AsSpan(_start, lf).TrimEnd((byte)'\r');
                    _start += lf + 1;
                    return Encoding.ASCII.GetString(line);
                }

                if (_start > 0)
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }

                if (_end == _buffer.Length)
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }

                var read = await stream.ReadAsync(_buffer.AsMemory(_end), cancel);
                if (read == 0)
                {
                    return _end == 0 ? null : throw new IOException("connection closed inside a request head");
                }

                _end += read;
            }
        }
    }
}
