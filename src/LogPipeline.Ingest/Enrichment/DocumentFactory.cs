using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using LogPipeline.Ingest.Enrichment.GeoIp;
using LogPipeline.Ingest.Enrichment.Serialization;
using LogPipeline.Ingest.Enrichment.UserAgents;
using LogPipeline.Ingest.Enrichment.Visitors;
using LogPipeline.Ingest.Parsing;

namespace LogPipeline.Ingest.Enrichment;

/// <summary>
/// parse (compiled log format) → enrich (client address, country, user agent, visitor fields) → one ECS document.
/// Thread-safe: shared parts are immutable or concurrent; per-call buffers live in a thread-static
/// <see cref="PerThread"/> owned by the calling thread.
/// </summary>
public sealed class DocumentFactory : IDocumentFactory
{
    private static readonly JsonEncodedText EventKind = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText[] Web = [JsonEncodedText.Encode("web")];
    private static readonly JsonEncodedText[] Access = [JsonEncodedText.Encode("access")];
    private static readonly JsonEncodedText Success = JsonEncodedText.Encode("success");
    private static readonly JsonEncodedText Failure = JsonEncodedText.Encode("failure");
    private static readonly JsonEncodedText Nginx = JsonEncodedText.Encode("nginx");
    private static readonly JsonEncodedText[][] TagSets = BuildTagSets();

    // Visitor keywords (issue #15), indexed by the enums' values.
    private static readonly JsonEncodedText Human = JsonEncodedText.Encode("human");
    private static readonly JsonEncodedText Bot = JsonEncodedText.Encode("bot");
    private static readonly JsonEncodedText[] BotReasons = Encoded<BotReason>(r => BotClassifier.Keyword(r) ?? string.Empty);
    private static readonly JsonEncodedText[] DeviceTypeNames = Encoded<DeviceType>(DeviceTypes.Keyword);
    private static readonly JsonEncodedText[] RecoveryNames = Encoded<ParseRecovery>(ParseRecoveries.Keyword);

    [ThreadStatic]
    private static PerThread? t_state;

    /// <summary>The calling thread's builder as the last <see cref="TryCreate"/> on it left it (tests read the values back).</summary>
    internal static DocumentBuilder? LastBuilder => t_state?.Builder;

    private readonly AccessLogFormat _format;
    private readonly GeoIpLookup _geo;
    private readonly UserAgentParser _userAgents;
    private readonly TimeProvider _time;
    private readonly RecoveredLines? _recovered;
    private readonly JsonEncodedText _dataset;
    private readonly JsonEncodedText _type;
    private readonly JsonEncodedText _dataStreamDataset;
    private readonly JsonEncodedText _namespace;
    private readonly JsonEncodedText _ecsVersion = JsonEncodedText.Encode(DocumentDefaults.EcsVersion);

    public DocumentFactory(AccessLogFormat format, GeoIpLookup geo, UserAgentParser userAgents, DocumentDefaults defaults, TimeProvider time, RecoveredLines? recovered = null)
    {
        _recovered = recovered;
        _format = format;
        _geo = geo;
        _userAgents = userAgents;
        _time = time;
        _dataset = JsonEncodedText.Encode("nginx.access");
        _type = JsonEncodedText.Encode(defaults.DataStreamType);
        _dataStreamDataset = JsonEncodedText.Encode(defaults.DataStreamDataset);
        _namespace = JsonEncodedText.Encode(defaults.DataStreamNamespace);
    }

    [Flags]
    private enum Tag
    {
        None = 0,
        PrivateIp = 1,
        InvalidRequest = 2,
        Truncated = 4,
        PartialLine = 8,
    }

    public DocumentResult TryCreate(ReadOnlySpan<byte> line, in SourceInfo source, IBufferWriter<byte> output)
    {
        if (line.IsEmpty)
        {
            return DocumentResult.Fail("empty line");
        }

        if (!Utf8.IsValid(line))
        {
            // A line cut at the shipper's MaxLineBytes can end inside a multi-byte character; drop that tail.
            line = source.Truncated ? TrimIncompleteTail(line) : line;
            if (!Utf8.IsValid(line))
            {
                return DocumentResult.Fail("line is not valid UTF-8");
            }
        }

        var state = t_state ??= new PerThread();
        var error = _format.TryParse(line, state.Scratch(line.Length), out var record);
        var tags = Tag.None;
        if (error is not null)
        {
            // What was read before the cut is still worth indexing; a whole line that does not fit is not.
            if (!source.Truncated || record.Timestamp is null)
            {
                return DocumentResult.Fail(error);
            }
        }

        if (source.Truncated)
        {
            tags |= Tag.Truncated;
        }

        if (record.Recovered != ParseRecovery.None)
        {
            tags |= Tag.PartialLine;
        }

        var b = state.Builder;
        b.Clear();
        var timestamp = record.Timestamp ?? source.ReceivedAt;
        b.Set(DocumentField.Timestamp, timestamp);
        b.Set(DocumentField.Message, DocumentField.EventOriginal, line);
        b.Set(DocumentField.EventKind, EventKind);
        b.Set(DocumentField.EventCategory, Web);
        b.Set(DocumentField.EventType, Access);
        b.Set(DocumentField.EventDataset, _dataset);
        b.Set(DocumentField.EventModule, Nginx);
        b.Set(DocumentField.EventCreated, _time.GetUtcNow());
        b.Set(DocumentField.EventIngested, source.ReceivedAt);
        b.Set(DocumentField.NginxHourOfDay, timestamp.Hour);
        b.Set(DocumentField.NginxDayOfWeek, timestamp.DayOfWeek == DayOfWeek.Sunday ? 7 : (int)timestamp.DayOfWeek);

        if (AddClient(b, ref record, state))
        {
            tags |= Tag.PrivateIp;
        }

        AddRequest(b, ref record, state);
        if (record.InvalidRequest)
        {
            tags |= Tag.InvalidRequest;
        }

        if (record.Status is { } status)
        {
            b.Set(DocumentField.HttpResponseStatusCode, status);
            b.Set(DocumentField.EventOutcome, status >= 400 ? Failure : Success);
        }

        if (record.BodyBytes is { } bytes)
        {
            b.Set(DocumentField.HttpResponseBodyBytes, bytes);
        }

        if (record.RequestTime is { } requestTime)
        {
            b.Set(DocumentField.NginxRequestTime, requestTime);
            b.Set(DocumentField.EventDuration, (long)Math.Round(requestTime * 1e9));
        }

        if (record.UpstreamResponseTime is { } upstream)
        {
            b.Set(DocumentField.NginxUpstreamResponseTime, upstream);
        }

        AddRequestDetails(b, ref record);

        var userAgentInfo = AddUserAgent(b, ref record, state);
        AddVisitor(b, state, timestamp, userAgentInfo);
        if (record.Recovered != ParseRecovery.None)
        {
            b.Set(DocumentField.LogPipelineParseRecovered, RecoveryNames[(int)record.Recovered]);
        }

        if (source.Truncated)
        {
            b.Set(DocumentField.NginxTruncated, true);
        }

        b.Set(DocumentField.LogFilePath, source.File);
        if (source.Offset is { } offset)
        {
            b.Set(DocumentField.LogOffset, offset);
        }

        AddKubernetes(b, source);
        b.Set(DocumentField.DataStreamType, _type);
        b.Set(DocumentField.DataStreamDataset, _dataStreamDataset);
        b.Set(DocumentField.DataStreamNamespace, _namespace);
        b.Set(DocumentField.EcsVersion, _ecsVersion);
        if (tags != Tag.None)
        {
            b.Set(DocumentField.Tags, TagSets[(int)tags]);
        }

        b.WriteTo(output);
        if (record.Recovered != ParseRecovery.None)
        {
            _recovered?.Count(record.Recovered);
        }

        return DocumentResult.Ok;
    }

    /// <summary>
    /// source.ip = the first public address in X-Forwarded-For (the client as the first proxy saw it), else
    /// the first address there, else $remote_addr; $remote_addr then goes to network.forwarded_ip. Returns true
    /// when the client address is not public (tagged private_ip, no geo).
    /// </summary>
    private bool AddClient(DocumentBuilder b, ref AccessLogRecord record, PerThread state)
    {
        var remote = TryParseIp(record.RemoteAddr);
        var client = remote;
        if (!record.XForwardedFor.IsEmpty)
        {
            IPAddress? firstForwarded = null;
            IPAddress? firstPublic = null;
            var list = record.XForwardedFor;
            while (!list.IsEmpty && firstPublic is null)
            {
                var comma = list.IndexOf((byte)',');
                var entry = (comma < 0 ? list : list[..comma]).Trim((byte)' ');
                list = comma < 0 ? default : list[(comma + 1)..];
                if (TryParseIp(entry) is { } address)
                {
                    firstForwarded ??= address;
                    firstPublic = IpRanges.IsNonPublic(address) ? null : address;
                }
            }

            client = firstPublic ?? firstForwarded ?? remote;
        }

        if (client is null)
        {
            // "unix:" or another non-IP peer: keep what nginx wrote, as a plain address (also the visitor key's part).
            b.Set(DocumentField.SourceAddress, record.RemoteAddr);
            state.SetClient(record.RemoteAddr);
            return false;
        }

        // Canonical form: XFF entries may carry brackets or odd spellings the ip mapping would reject.
        var clientText = state.FormatClient(client);
        b.Set(DocumentField.SourceAddress, clientText);
        b.Set(DocumentField.SourceIp, clientText);
        if (remote is not null && !ReferenceEquals(remote, client))
        {
            SetIp(b, DocumentField.NetworkForwardedIp, remote);
        }

        if (_geo.Find(client) is { } country)
        {
            b.Set(DocumentField.SourceGeoCountryIsoCode, country.IsoCode);
            b.Set(DocumentField.SourceGeoCountryName, country.Name);
            return false;
        }

        return IpRanges.IsNonPublic(client);
    }

    /// <summary>
    /// Where the line was written (lp.meta): kubernetes.*, orchestrator.*, service.name = the app label, and host.name =
    /// the node (ECS: the host the event happened on); without a node name host.name stays lp.source (pod or host).
    /// </summary>
    private static void AddKubernetes(DocumentBuilder b, in SourceInfo source)
    {
        if (source.Kubernetes is not { Metadata: var m } k8s)
        {
            b.Set(DocumentField.HostName, source.Source);
            return;
        }

        b.Set(DocumentField.HostName, m.NodeName ?? source.Source);
        b.Set(DocumentField.KubernetesNamespace, m.Namespace);
        b.Set(DocumentField.KubernetesPodName, m.PodName);
        b.Set(DocumentField.KubernetesPodUid, m.PodUid);
        b.Set(DocumentField.KubernetesNodeName, m.NodeName);
        b.Set(DocumentField.KubernetesContainerName, m.ContainerName);
        b.Set(DocumentField.KubernetesLabels, k8s.Labels);
        b.Set(DocumentField.OrchestratorType, m.Orchestrator);
        if (m.Orchestrator is not null)
        {
            b.Set(DocumentField.OrchestratorNamespace, m.Namespace);
        }

        b.Set(DocumentField.ServiceName, k8s.App);
    }

    /// <summary>$upstream_addr, $request_length and $ssl_protocol ("TLSv1.3" → tls.version_protocol "tls", tls.version "1.3").</summary>
    private static void AddRequestDetails(DocumentBuilder b, ref AccessLogRecord record)
    {
        SetText(b, DocumentField.NginxUpstreamAddr, record.UpstreamAddr, record.Escaped);
        if (record.RequestLength is { } requestLength)
        {
            b.Set(DocumentField.HttpRequestBytes, requestLength);
        }

        var protocol = record.SslProtocol;
        var v = protocol.IndexOf((byte)'v');
        if (v > 0 && v < protocol.Length - 1 && protocol.Length <= 16)
        {
            var name = b.Reserve(v);
            Ascii.ToLower(protocol[..v], name, out var written);
            b.Commit(DocumentField.TlsVersionProtocol, written);
            var version = protocol[(v + 1)..];
            if (version.Contains((byte)'.'))
            {
                b.Set(DocumentField.TlsVersion, version);
            }
            else
            {
                // "TLSv1", "SSLv3": ECS writes the version as major.minor.
                var full = b.Reserve(version.Length + 2);
                version.CopyTo(full);
                ".0"u8.CopyTo(full[version.Length..]);
                b.Commit(DocumentField.TlsVersion, version.Length + 2);
            }
        }
    }

    private static void AddRequest(DocumentBuilder b, ref AccessLogRecord record, PerThread state)
    {
        SetText(b, DocumentField.UserName, record.RemoteUser, record.Escaped);
        b.Set(DocumentField.HttpRequestMethod, record.Method);
        SetText(b, DocumentField.HttpRequestReferrer, record.Referer, record.Escaped);
        if (record.Protocol.StartsWith("HTTP/"u8))
        {
            b.Set(DocumentField.HttpVersion, record.Protocol["HTTP/".Length..]);
        }

        SetText(b, DocumentField.UrlOriginal, record.Uri, record.Escaped);
        SetPath(b, record.Path, record.Escaped, state);
        SetText(b, DocumentField.UrlQuery, record.Query, record.Escaped);
        SetText(b, DocumentField.UrlDomain, record.Host, record.Escaped);
    }

    /// <summary>Returns uap-core's answer, or null without a user agent; the decoded user agent is left in <paramref name="state"/>.</summary>
    private UserAgentInfo? AddUserAgent(DocumentBuilder b, ref AccessLogRecord record, PerThread state)
    {
        state.UserAgentLength = 0;
        if (record.UserAgent.IsEmpty)
        {
            return null;
        }

        var decoded = state.Decoded(record.UserAgent.Length);
        var length = record.Escaped ? NginxEscapes.Decode(record.UserAgent, decoded) : Copy(record.UserAgent, decoded);
        var userAgent = decoded[..length];
        state.UserAgentLength = length;
        b.Set(DocumentField.UserAgentOriginal, userAgent);
        var info = state.RecentUserAgents.Parse(userAgent, _userAgents);
        b.Set(DocumentField.UserAgentName, info.Name);
        b.Set(DocumentField.UserAgentVersion, info.Version);
        b.Set(DocumentField.UserAgentOsName, info.OsName);
        b.Set(DocumentField.UserAgentOsVersion, info.OsVersion);
        b.Set(DocumentField.UserAgentOsFull, info.OsFull);
        b.Set(DocumentField.UserAgentDeviceName, info.DeviceName);
        b.Set(DocumentField.LogPipelineUserAgentDeviceBrand, info.DeviceBrand);
        b.Set(DocumentField.LogPipelineUserAgentDeviceModel, info.DeviceModel);
        return info;
    }

    /// <summary>
    /// Visitor key, human/bot and device type (docs/ingest.md "Visitor fields"), from what AddClient and AddUserAgent
    /// left in <paramref name="state"/>; on every document, also those without a user agent or a timestamp.
    /// </summary>
    private void AddVisitor(DocumentBuilder b, PerThread state, DateTimeOffset timestamp, UserAgentInfo? info)
    {
        var userAgent = state.UserAgent;
        var key = b.Reserve(VisitorKey.Length);
        VisitorKey.Write(state.Client, timestamp, userAgent, key);
        b.Commit(DocumentField.LogPipelineVisitorId, VisitorKey.Length);

        // The parser classified the string it parsed (and cached the answer); a user agent cut at UserAgent:MaxLength
        // and an absent one are classified here, on the whole string as decoded.
        BotReason bot;
        DeviceType deviceType;
        if (info is not null && userAgent.Length <= _userAgents.MaxLength)
        {
            (bot, deviceType) = (info.Bot, info.DeviceType);
        }
        else
        {
            var chars = state.UserAgentChars(userAgent);
            bot = BotClassifier.Classify(chars, info);
            deviceType = DeviceTypes.Classify(info, bot, chars);
        }

        b.Set(DocumentField.LogPipelineVisitorType, bot == BotReason.None ? Human : Bot);
        if (bot != BotReason.None)
        {
            b.Set(DocumentField.LogPipelineVisitorBotReason, BotReasons[(int)bot]);
        }

        b.Set(DocumentField.LogPipelineUserAgentDeviceType, DeviceTypeNames[(int)deviceType]);
    }

    /// <summary>url.path: nginx escapes undone, then percent-decoded (<see cref="PercentDecoding"/>); url.original stays raw.</summary>
    private static void SetPath(DocumentBuilder b, ReadOnlySpan<byte> path, bool escaped, PerThread state)
    {
        if (path.IsEmpty)
        {
            return;
        }

        var unescaped = path;
        if (escaped)
        {
            var buffer = state.Decoded(path.Length);
            unescaped = buffer[..NginxEscapes.Decode(path, buffer)];
        }

        b.Commit(DocumentField.UrlPath, PercentDecoding.DecodePath(unescaped, b.Reserve(unescaped.Length)));
    }

    private static JsonEncodedText[] Encoded<TEnum>(Func<TEnum, string> keyword)
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var encoded = new JsonEncodedText[values.Length];
        foreach (var value in values)
        {
            encoded[Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)] = JsonEncodedText.Encode(keyword(value));
        }

        return encoded;
    }

    private static int Copy(ReadOnlySpan<byte> value, Span<byte> destination)
    {
        value.CopyTo(destination);
        return value.Length;
    }

    private static void SetText(DocumentBuilder b, DocumentField field, ReadOnlySpan<byte> value, bool escaped)
    {
        if (value.IsEmpty)
        {
            return;
        }

        if (!escaped)
        {
            b.Set(field, value);
            return;
        }

        b.Commit(field, NginxEscapes.Decode(value, b.Reserve(value.Length)));
    }

    private static void SetIp(DocumentBuilder b, DocumentField field, IPAddress address)
    {
        var span = b.Reserve(64);
        b.Commit(field, address.TryFormat(span, out var written) ? written : 0);
    }

    private static IPAddress? TryParseIp(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty || value.Length > 64)
        {
            return null;
        }

        if (!IPAddress.TryParse(value, out var address))
        {
            return null;
        }

        // A zone id (fe80::1%eth0) means nothing outside that host and is not a valid ip field value.
        return address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0 ? new IPAddress(address.GetAddressBytes()) : address;
    }

    private static ReadOnlySpan<byte> TrimIncompleteTail(ReadOnlySpan<byte> line)
    {
        for (var cut = 1; cut <= 3 && cut < line.Length; cut++)
        {
            if (Utf8.IsValid(line[..^cut]))
            {
                return line[..^cut];
            }
        }

        return line;
    }

    private static JsonEncodedText[][] BuildTagSets()
    {
        var sets = new JsonEncodedText[16][];
        for (var mask = 0; mask < sets.Length; mask++)
        {
            var tags = new List<JsonEncodedText>();
            if ((mask & (int)Tag.PrivateIp) != 0)
            {
                tags.Add(JsonEncodedText.Encode("private_ip"));
            }

            if ((mask & (int)Tag.InvalidRequest) != 0)
            {
                tags.Add(JsonEncodedText.Encode("invalid_request"));
            }

            if ((mask & (int)Tag.Truncated) != 0)
            {
                tags.Add(JsonEncodedText.Encode("truncated"));
            }

            if ((mask & (int)Tag.PartialLine) != 0)
            {
                tags.Add(JsonEncodedText.Encode("partial_line"));
            }

            sets[mask] = [.. tags];
        }

        return sets;
    }

    /// <summary>Buffers reused by one thread across calls (never shared).</summary>
    private sealed class PerThread
    {
        private byte[] _scratch = new byte[4096];
        private byte[] _decoded = new byte[1024];
        private readonly byte[] _client = new byte[64];
        private int _clientLength;
        private char[] _userAgentChars = new char[512];

        public DocumentBuilder Builder { get; } = new();

        public RecentUserAgents RecentUserAgents { get; } = new();

        public Span<byte> Scratch(int length)
        {
            if (_scratch.Length < length)
            {
                _scratch = new byte[Math.Max(length, _scratch.Length * 2)];
            }

            return _scratch;
        }

        public Span<byte> Decoded(int length)
        {
            if (_decoded.Length < length)
            {
                _decoded = new byte[Math.Max(length, _decoded.Length * 2)];
            }

            return _decoded;
        }

        /// <summary>Length of the decoded user agent AddUserAgent left at the start of the decoded buffer (0 = none).</summary>
        public int UserAgentLength { get; set; }

        public ReadOnlySpan<byte> UserAgent => _decoded.AsSpan(0, UserAgentLength);

        /// <summary>The client address as written to source.ip / source.address, for the visitor key.</summary>
        public ReadOnlySpan<byte> Client => _client.AsSpan(0, _clientLength);

        public ReadOnlySpan<byte> FormatClient(IPAddress address)
        {
            _clientLength = address.TryFormat(_client, out var written) ? written : 0;
            return Client;
        }

        public void SetClient(ReadOnlySpan<byte> raw)
        {
            // A non-IP peer longer than the buffer keeps its first 64 bytes in the key; enough to tell peers apart.
            _clientLength = Math.Min(raw.Length, _client.Length);
            raw[.._clientLength].CopyTo(_client);
        }

        public ReadOnlySpan<char> UserAgentChars(ReadOnlySpan<byte> userAgent)
        {
            if (_userAgentChars.Length < userAgent.Length)
            {
                _userAgentChars = new char[Math.Max(userAgent.Length, _userAgentChars.Length * 2)];
            }

            return _userAgentChars.AsSpan(0, System.Text.Encoding.UTF8.GetChars(userAgent, _userAgentChars));
        }
    }
}
