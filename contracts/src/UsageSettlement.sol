// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IUsageSettlement} from "./interfaces/IUsageSettlement.sol";
import {UsageClasses} from "./libraries/UsageClasses.sol";

/// @title UsageSettlement
/// @notice Platform escrows, k-of-n oracle-signed settlement roots (EIP-712) and Merkle claims of cumulative
/// per-account royalties, paid to the accounts themselves (Morpho URD style).
/// @dev Amount rule (see IUsageSettlement for the whole rule, computed off chain by the oracle from the published data
/// file, the on-chain rate cards and the splits' recipient roots): a track's amount per token is
/// sum over (platform, class) of floor(cumulativeMicroUnits * rate / 1e12); an account's leaf is
/// sum over tracks and account paths of floor(A_track * prod(shares) / 1e6^depth). Every floor is of cumulative
/// totals, so rounding never compounds; a claim pays cumulativeAmount - claimed, so nothing is paid twice.
/// This contract does not recompute amounts (that would cost gas per track); it verifies k-of-n signatures over the
/// root and the per-platform debits, and enforces solvency per token: totalClaimed <= totalDebited, and the contract's
/// balance of a token covers its escrows plus what was debited and not yet claimed.
/// Storage per report is O(1) in tracks and accounts: only the root (and, while pending, the debits hash) is written.
/// Storage per claim: one slot per (account, token) (the claimed amount) and one packed slot per token (debited and
/// claimed totals); the steady-state claim reads one root slot.
contract UsageSettlement is IUsageSettlement, Ownable2Step, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;

    /// @notice ERC-7528 address standing for native ETH.
    address public constant NATIVE_TOKEN = 0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE;
    /// @notice Rates are token base units per usage unit, scaled by 1e6.
    uint256 public constant RATE_SCALE = UsageClasses.RATE_SCALE;
    /// @notice Usage units are fixed point: 1e6 micro-units per unit.
    uint256 public constant UNIT_SCALE = UsageClasses.UNIT_SCALE;
    /// @notice Maximum oracle signers.
    uint256 public constant MAX_SIGNERS = 32;
    /// @notice Maximum root delay and withdrawal notice period.
    uint64 public constant MAX_DELAY = 30 days;
    /// @notice How long a matured withdrawal request stays executable; after that it has expired.
    uint64 public constant WITHDRAWAL_WINDOW = 7 days;

    /// @notice EIP-712 type hash of Debit.
    bytes32 public constant DEBIT_TYPEHASH = keccak256("Debit(uint256 platformId,uint256 amount)");
    /// @notice EIP-712 type hash of Report (referenced struct types appended, as EIP-712 requires).
    bytes32 public constant REPORT_TYPEHASH = keccak256(
        "Report(uint64 epoch,uint32 configVersion,bytes32 root,bytes32 dataHash,Debit[] debits)"
        "Debit(uint256 platformId,uint256 amount)"
    );

    /// @dev A platform as stored (its rate cards are in `_rateCards`).
    struct Platform {
        address payer;
        address token;
        uint256 escrow;
    }

    /// @dev A queued governance change: its hash (kind and ABI data) and when it may be applied (0 = none).
    struct QueuedChange {
        bytes32 hash;
        uint64 eta;
    }

    /// @dev A pending withdrawal request (amount 0 = none).
    struct WithdrawalRequest {
        uint192 amount;
        uint64 availableAt;
    }

    /// @dev Per-token totals packed in one slot (a claim reads and writes both). uint128 holds 3.4e38 base units.
    struct TokenTotals {
        uint128 debited;
        uint128 claimed;
    }

    /// @dev Epoch bookkeeping packed in one slot so a claim that needs the pending root reads it with one SLOAD.
    struct Epochs {
        uint64 lastEpoch; // highest epoch posted (accepted, pending or revoked)
        uint64 currentEpoch; // epoch of `_currentRoot`
        uint64 pendingEpoch; // epoch of `_pendingRoot` (0 = none)
        uint64 pendingValidAt; // when `_pendingRoot` becomes current (0 = none pending)
    }

    mapping(uint256 platformId => Platform) private _platforms;
    /// @dev Per platform, its rate cards by ascending effectiveFrom (the first one from time 0).
    mapping(uint256 platformId => RateCard[]) private _rateCards;
    uint256 private _platformCount;
    mapping(uint256 platformId => WithdrawalRequest) private _withdrawals;
    mapping(address token => uint256) private _totalEscrow;
    mapping(address token => TokenTotals) private _totals;
    mapping(address account => mapping(address token => uint256)) private _claimed;

    address[] private _signers;
    /// @dev signer => the config version it belongs to; a signer is current iff equal to `_configVersion`.
    mapping(address signer => uint32) private _signerVersion;
    uint32 private _configVersion;
    uint8 private _threshold;
    uint64 private _rootDelay;
    uint64 private _withdrawalDelay;
    address private _guardian;
    address private _registrar;
    mapping(uint256 changeId => QueuedChange) private _changes;
    uint256 private _changeCount;

    Epochs private _epochs;
    bytes32 private _currentRoot;
    bytes32 private _pendingRoot;
    bytes32 private _pendingDebitsHash;

    /// @param initialOwner The owner (Ownable2Step), which governs through the timelocked change queue; also the
    /// first registrar (hand the registrar role to the API's hot key and ownership to a multisig in production).
    /// @param guardian_ The guardian allowed to revoke pending roots (zero = none).
    /// @param signers_ The initial oracle signers, strictly ascending (config version 1).
    /// @param threshold_ The initial signature threshold.
    /// @param rootDelay_ Seconds between posting a root and it becoming claimable (0 = immediate).
    /// @param withdrawalDelay_ The escrow withdrawal notice period in seconds.
    constructor(
        address initialOwner,
        address guardian_,
        address[] memory signers_,
        uint8 threshold_,
        uint64 rootDelay_,
        uint64 withdrawalDelay_
    ) Ownable(initialOwner) EIP712("UsageSettlement", "1") {
        _setGuardian(guardian_);
        _registrar = initialOwner;
        emit RegistrarChanged(address(0), initialOwner);
        _setSigners(signers_, threshold_);
        _setRootDelay(rootDelay_);
        _setWithdrawalDelay(withdrawalDelay_);
    }

    // ================================================================== platforms and escrow

    /// @inheritdoc IUsageSettlement
    function registerPlatform(address payer, address token, uint256[6] calldata rates)
        external
        returns (uint256 platformId)
    {
        if (msg.sender != _registrar) revert NotRegistrar(msg.sender, _registrar);
        if (payer == address(0)) revert ZeroAddress("payer");
        if (token != NATIVE_TOKEN && token.code.length == 0) revert InvalidToken(token);
        platformId = ++_platformCount;
        Platform storage p = _platforms[platformId];
        p.payer = payer;
        p.token = token;
        _rateCards[platformId].push(RateCard({effectiveFrom: 0, rates: rates}));
        emit PlatformRegistered(platformId, payer, token, rates);
    }

    /// @inheritdoc IUsageSettlement
    function setRegistrar(address registrar_) external onlyOwner {
        emit RegistrarChanged(_registrar, registrar_);
        _registrar = registrar_;
    }

    /// @inheritdoc IUsageSettlement
    function registrar() external view returns (address) {
        return _registrar;
    }

    /// @inheritdoc IUsageSettlement
    function deposit(uint256 platformId, uint256 amount) external payable nonReentrant {
        Platform storage p = _platform(platformId);
        if (amount == 0) revert ZeroAmount();
        address token = p.token;
        if (token == NATIVE_TOKEN) {
            if (msg.value != amount) revert EthValueMismatch(msg.value, amount);
        } else {
            if (msg.value != 0) revert UnexpectedEthValue(msg.value);
            uint256 before = IERC20(token).balanceOf(address(this));
            IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
            uint256 received = IERC20(token).balanceOf(address(this)) - before;
            if (received != amount) revert TransferAmountMismatch(token, amount, received);
        }
        p.escrow += amount;
        _totalEscrow[token] += amount;
        emit EscrowDeposited(platformId, msg.sender, amount);
    }

    /// @inheritdoc IUsageSettlement
    function requestWithdrawal(uint256 platformId, uint256 amount) external {
        Platform storage p = _platform(platformId);
        if (msg.sender != p.payer) revert NotPayer(platformId, msg.sender, p.payer);
        // Capped at the escrow now: a request is notice of a real amount, never an open option on later deposits.
        uint256 escrow = p.escrow;
        if (amount > escrow) amount = escrow;
        if (amount == 0) revert ZeroAmount();
        uint64 availableAt = uint64(block.timestamp) + _withdrawalDelay;
        // casting to 'uint192' is safe because amount <= escrow <= the token's total supply, far below 2^192
        // forge-lint: disable-next-line(unsafe-typecast)
        _withdrawals[platformId] = WithdrawalRequest({amount: uint192(amount), availableAt: availableAt});
        emit WithdrawalRequested(platformId, amount, availableAt);
    }

    /// @inheritdoc IUsageSettlement
    function withdraw(uint256 platformId, address to) external nonReentrant returns (uint256 amount) {
        Platform storage p = _platform(platformId);
        if (msg.sender != p.payer) revert NotPayer(platformId, msg.sender, p.payer);
        if (to == address(0)) revert ZeroAddress("to");
        WithdrawalRequest memory request = _withdrawals[platformId];
        if (request.amount == 0) revert NoWithdrawalRequested(platformId);
        if (block.timestamp < request.availableAt) {
            revert WithdrawalNotReady(platformId, request.availableAt, uint64(block.timestamp));
        }
        uint64 expiresAt = request.availableAt + WITHDRAWAL_WINDOW;
        if (block.timestamp >= expiresAt) revert WithdrawalExpired(platformId, expiresAt, uint64(block.timestamp));
        delete _withdrawals[platformId];
        uint256 escrow = p.escrow;
        amount = request.amount < escrow ? request.amount : escrow;
        address token = p.token;
        // unchecked: amount <= escrow <= _totalEscrow[token] (the total is the sum of the escrows in that token).
        unchecked {
            p.escrow = escrow - amount;
            _totalEscrow[token] -= amount;
        }
        emit EscrowWithdrawn(platformId, to, amount);
        if (amount != 0) _send(token, to, amount);
    }

    /// @inheritdoc IUsageSettlement
    function platform(uint256 platformId) external view returns (PlatformInfo memory info) {
        Platform storage p = _platform(platformId);
        info = PlatformInfo({
            payer: p.payer, token: p.token, rates: _ratesAt(platformId, block.timestamp), escrow: p.escrow
        });
    }

    /// @inheritdoc IUsageSettlement
    function ratesAt(uint256 platformId, uint256 timestamp) external view returns (uint256[6] memory) {
        _platform(platformId);
        return _ratesAt(platformId, timestamp);
    }

    /// @inheritdoc IUsageSettlement
    function rateCards(uint256 platformId) external view returns (RateCard[] memory) {
        _platform(platformId);
        return _rateCards[platformId];
    }

    /// @inheritdoc IUsageSettlement
    function platformCount() external view returns (uint256) {
        return _platformCount;
    }

    /// @inheritdoc IUsageSettlement
    function pendingWithdrawal(uint256 platformId) external view returns (uint256 amount, uint64 availableAt) {
        _platform(platformId);
        WithdrawalRequest memory request = _withdrawals[platformId];
        return (request.amount, request.availableAt);
    }

    // ================================================================== configuration

    /// @inheritdoc IUsageSettlement
    function queueChange(ChangeKind kind, bytes calldata data)
        external
        onlyOwner
        returns (uint256 changeId, uint64 eta)
    {
        _validateChange(kind, data, false);
        eta = uint64(block.timestamp) + governanceDelay();
        if (kind == ChangeKind.Rates) {
            (,, uint64 effectiveFrom) = abi.decode(data, (uint256, uint256[6], uint64));
            if (effectiveFrom < eta) revert RatesEffectiveTooEarly(effectiveFrom, eta);
        }
        changeId = ++_changeCount;
        _changes[changeId] = QueuedChange({hash: keccak256(abi.encode(kind, data)), eta: eta});
        emit ChangeQueued(changeId, kind, data, eta);
    }

    /// @inheritdoc IUsageSettlement
    function applyChange(uint256 changeId, ChangeKind kind, bytes calldata data) external {
        QueuedChange memory c = _changes[changeId];
        if (c.eta == 0) revert UnknownChange(changeId);
        bytes32 given = keccak256(abi.encode(kind, data));
        if (given != c.hash) revert ChangeMismatch(changeId, c.hash, given);
        if (block.timestamp < c.eta) revert ChangeNotReady(changeId, c.eta, uint64(block.timestamp));
        delete _changes[changeId];
        _validateChange(kind, data, true);
        emit ChangeApplied(changeId, kind, data);
    }

    /// @inheritdoc IUsageSettlement
    function cancelChange(uint256 changeId) external {
        if (msg.sender != _guardian && msg.sender != owner()) revert NotGuardian(msg.sender, _guardian);
        if (_changes[changeId].eta == 0) revert UnknownChange(changeId);
        delete _changes[changeId];
        emit ChangeCancelled(changeId, msg.sender);
    }

    /// @inheritdoc IUsageSettlement
    function queuedChange(uint256 changeId) external view returns (bytes32 hash, uint64 eta) {
        QueuedChange memory c = _changes[changeId];
        return (c.hash, c.eta);
    }

    /// @inheritdoc IUsageSettlement
    function changeCount() external view returns (uint256) {
        return _changeCount;
    }

    /// @inheritdoc IUsageSettlement
    function governanceDelay() public view returns (uint64) {
        return _rootDelay + _withdrawalDelay;
    }

    /// @inheritdoc IUsageSettlement
    function signers() external view returns (address[] memory) {
        return _signers;
    }

    /// @inheritdoc IUsageSettlement
    function threshold() external view returns (uint8) {
        return _threshold;
    }

    /// @inheritdoc IUsageSettlement
    function configVersion() external view returns (uint32) {
        return _configVersion;
    }

    /// @inheritdoc IUsageSettlement
    function isSigner(address account) external view returns (bool) {
        return account != address(0) && _signerVersion[account] == _configVersion;
    }

    /// @inheritdoc IUsageSettlement
    function guardian() external view returns (address) {
        return _guardian;
    }

    /// @inheritdoc IUsageSettlement
    function rootDelay() external view returns (uint64) {
        return _rootDelay;
    }

    /// @inheritdoc IUsageSettlement
    function withdrawalDelay() external view returns (uint64) {
        return _withdrawalDelay;
    }

    // ================================================================== reports and roots

    /// @inheritdoc IUsageSettlement
    function post(Report calldata report, bytes[] calldata signatures) external {
        Epochs memory e = _epochs;
        // unchecked: lastEpoch only ever grows by one per post, so it is far from 2^64 - 1.
        uint64 expected;
        unchecked {
            expected = e.lastEpoch + 1;
        }
        if (report.epoch != expected) revert EpochOutOfSequence(report.epoch, expected);
        if (report.configVersion != _configVersion) revert ConfigVersionMismatch(report.configVersion, _configVersion);
        if (report.root == bytes32(0)) revert ZeroRoot();

        bytes32 debitsHash = _hashDebits(report.debits);
        _verifySignatures(_hashTypedDataV4(_hashReport(report, debitsHash)), signatures);

        // At most one pending root: a matured one is accepted first, an immature one blocks the post.
        if (e.pendingValidAt != 0) {
            if (block.timestamp < e.pendingValidAt) revert RootStillPending(e.pendingEpoch, e.pendingValidAt);
            _currentRoot = _pendingRoot;
            e.currentEpoch = e.pendingEpoch;
            e.pendingEpoch = 0;
            e.pendingValidAt = 0;
        }

        // A debit the platform's escrow cannot cover is held back (not taken, DebitHeldBack emitted): one short
        // platform never blocks the others' settlement. The pending debits hash is then of what was taken.
        // This is the last line of defence, not the normal path (issue 11, option a): the root's leaves already
        // hold that platform's usage, so until a later debit carries it, that token's last claimers would meet
        // InsolventClaim. The oracle therefore never signs a debit above escrow minus every withdrawal request
        // that can be executed before the post lands (withdrawal notice: requestWithdrawal, withdrawalDelay), and
        // its poster checks again at the latest block and re-pins instead of posting. Only a post landing later
        // than that horizon (or a withdrawalDelay shorter than it) can still reach this branch.
        bool[] memory held = _debit(report.epoch, report.debits);
        if (held.length != 0) debitsHash = _hashAppliedDebits(report.debits, held);

        e.lastEpoch = report.epoch;
        uint64 delay = _rootDelay;
        uint64 validAt = uint64(block.timestamp) + delay;
        if (delay == 0) {
            _currentRoot = report.root;
            e.currentEpoch = report.epoch;
            if (_pendingRoot != bytes32(0)) {
                _pendingRoot = bytes32(0);
                _pendingDebitsHash = bytes32(0);
            }
        } else {
            _pendingRoot = report.root;
            _pendingDebitsHash = debitsHash;
            e.pendingEpoch = report.epoch;
            e.pendingValidAt = validAt;
        }
        _epochs = e;
        emit RootPosted(report.epoch, report.root, report.dataHash, validAt);
    }

    /// @inheritdoc IUsageSettlement
    function revoke(uint64 epoch, Debit[] calldata debits) external {
        if (msg.sender != _guardian) revert NotGuardian(msg.sender, _guardian);
        Epochs memory e = _epochs;
        if (e.pendingValidAt == 0 || e.pendingEpoch != epoch) revert NotPendingEpoch(epoch, e.pendingEpoch);
        if (block.timestamp >= e.pendingValidAt) revert RootAlreadyValid(epoch, e.pendingValidAt);
        bytes32 given = _hashDebits(debits);
        if (given != _pendingDebitsHash) revert DebitsMismatch(_pendingDebitsHash, given);

        e.pendingEpoch = 0;
        e.pendingValidAt = 0;
        _epochs = e;
        _pendingRoot = bytes32(0);
        _pendingDebitsHash = bytes32(0);

        // Refund what is still unclaimed, per token, up to the debits: if an earlier over-allocating root let claims
        // spend these debits, the part already claimed stays debited (it backs those claims) and the rest goes back.
        for (uint256 i; i < debits.length; ++i) {
            uint256 platformId = debits[i].platformId;
            uint256 amount = debits[i].amount;
            Platform storage p = _platforms[platformId]; // existed at post time: ids are never removed
            address token = p.token;
            TokenTotals memory t = _totals[token];
            uint256 unclaimed;
            // unchecked: claimed <= debited is this contract's invariant.
            unchecked {
                unclaimed = uint256(t.debited) - t.claimed;
            }
            uint256 refund = amount < unclaimed ? amount : unclaimed;
            // unchecked: refund <= debited - claimed <= debited.
            unchecked {
                // casting to 'uint128' is safe because refund <= debited < 2^128
                // forge-lint: disable-next-line(unsafe-typecast)
                _totals[token].debited = t.debited - uint128(refund);
            }
            p.escrow += refund;
            _totalEscrow[token] += refund;
            emit DebitRefunded(epoch, platformId, refund);
        }
        emit RootRevoked(epoch);
    }

    /// @inheritdoc IUsageSettlement
    function claim(address account, address token, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        nonReentrant
        returns (uint256 paid)
    {
        uint256 claimedSlot = _claimedSlot(account, token);
        uint256 already = _load(claimedSlot);
        if (cumulativeAmount <= already) revert NothingToClaim(account, token, cumulativeAmount, already);
        _verifyLeaf(_currentRoot, account, token, cumulativeAmount, proof);
        paid = _pay(claimedSlot, account, token, cumulativeAmount, already);
    }

    /// @inheritdoc IUsageSettlement
    function claimMany(Claim[] calldata claims) external nonReentrant returns (uint256 totalPaid) {
        bytes32 root = _currentRoot; // one root read for the whole batch
        for (uint256 i; i < claims.length; ++i) {
            Claim calldata c = claims[i];
            address account = c.account;
            address token = c.token;
            uint256 cumulativeAmount = c.cumulativeAmount;
            uint256 claimedSlot = _claimedSlot(account, token);
            uint256 already = _load(claimedSlot);
            if (cumulativeAmount <= already) continue; // nothing left: skipped, pays 0
            _verifyLeaf(root, account, token, cumulativeAmount, c.proof);
            totalPaid += _pay(claimedSlot, account, token, cumulativeAmount, already);
        }
    }

    /// @inheritdoc IUsageSettlement
    function reportDigest(Report calldata report) external view returns (bytes32) {
        return _hashTypedDataV4(_hashReport(report, _hashDebits(report.debits)));
    }

    /// @inheritdoc IUsageSettlement
    function hashDebits(Debit[] calldata debits) external pure returns (bytes32) {
        return _hashDebits(debits);
    }

    /// @inheritdoc IUsageSettlement
    function lastEpoch() external view returns (uint64) {
        return _epochs.lastEpoch;
    }

    /// @inheritdoc IUsageSettlement
    function currentRoot() external view returns (bytes32 root, uint64 epoch) {
        return _effectiveRoot();
    }

    /// @inheritdoc IUsageSettlement
    function pendingRoot() external view returns (bytes32 root, uint64 epoch, uint64 validAt, bytes32 debitsHash) {
        Epochs memory e = _epochs;
        if (e.pendingValidAt == 0 || block.timestamp >= e.pendingValidAt) return (bytes32(0), 0, 0, bytes32(0));
        return (_pendingRoot, e.pendingEpoch, e.pendingValidAt, _pendingDebitsHash);
    }

    /// @inheritdoc IUsageSettlement
    function claimed(address account, address token) external view returns (uint256) {
        return _claimed[account][token];
    }

    /// @inheritdoc IUsageSettlement
    function totalDebited(address token) external view returns (uint256) {
        return _totals[token].debited;
    }

    /// @inheritdoc IUsageSettlement
    function totalClaimed(address token) external view returns (uint256) {
        return _totals[token].claimed;
    }

    /// @inheritdoc IUsageSettlement
    function totalEscrow(address token) external view returns (uint256) {
        return _totalEscrow[token];
    }

    /// @notice The EIP-712 domain separator (domain "UsageSettlement", version "1", this chain, this contract).
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ================================================================== internal

    function _platform(uint256 platformId) private view returns (Platform storage p) {
        if (platformId == 0 || platformId > _platformCount) revert UnknownPlatform(platformId);
        p = _platforms[platformId];
    }

    /// @dev The root claims verify against: the pending root once its delay has passed, else the accepted one.
    function _effectiveRoot() private view returns (bytes32, uint64) {
        Epochs memory e = _epochs;
        if (e.pendingValidAt != 0 && block.timestamp >= e.pendingValidAt) return (_pendingRoot, e.pendingEpoch);
        return (_currentRoot, e.currentEpoch);
    }

    /// @dev The rate card of `platformId` in force at `timestamp`: the last card with effectiveFrom <= timestamp.
    function _ratesAt(uint256 platformId, uint256 timestamp) private view returns (uint256[6] memory) {
        RateCard[] storage cards = _rateCards[platformId];
        uint256 i = cards.length;
        while (i > 1 && cards[i - 1].effectiveFrom > timestamp) --i;
        return cards[i - 1].rates;
    }

    /// @dev Decodes and checks a change; with `apply_`, also applies it. Revert reasons as the setters'.
    function _validateChange(ChangeKind kind, bytes calldata data, bool apply_) private {
        if (kind == ChangeKind.Signers) {
            (address[] memory signers_, uint8 threshold_) = abi.decode(data, (address[], uint8));
            _checkSigners(signers_, threshold_);
            if (apply_) _setSigners(signers_, threshold_);
        } else if (kind == ChangeKind.Guardian) {
            address guardian_ = abi.decode(data, (address));
            if (apply_) _setGuardian(guardian_);
        } else if (kind == ChangeKind.RootDelay) {
            uint64 delay = abi.decode(data, (uint64));
            if (delay > MAX_DELAY) revert DelayTooLong(delay, MAX_DELAY);
            if (apply_) _setRootDelay(delay);
        } else if (kind == ChangeKind.WithdrawalDelay) {
            uint64 delay = abi.decode(data, (uint64));
            if (delay > MAX_DELAY) revert DelayTooLong(delay, MAX_DELAY);
            if (apply_) _setWithdrawalDelay(delay);
        } else {
            (uint256 platformId, uint256[6] memory rates, uint64 effectiveFrom) =
                abi.decode(data, (uint256, uint256[6], uint64));
            _platform(platformId);
            if (apply_) {
                // Applied after its effective time: in force from now, never from a moment already past.
                if (effectiveFrom < block.timestamp) effectiveFrom = uint64(block.timestamp);
                RateCard[] storage cards = _rateCards[platformId];
                uint64 last = cards[cards.length - 1].effectiveFrom;
                if (effectiveFrom < last) revert RatesOutOfOrder(platformId, effectiveFrom, last);
                cards.push(RateCard({effectiveFrom: effectiveFrom, rates: rates}));
                emit RatesChanged(platformId, rates, effectiveFrom);
            }
        }
    }

    function _checkSigners(address[] memory signers_, uint8 threshold_) private pure {
        uint256 n = signers_.length;
        if (n == 0) revert NoSigners();
        if (n > MAX_SIGNERS) revert TooManySigners(n, MAX_SIGNERS);
        if (threshold_ == 0 || threshold_ > n) revert InvalidThreshold(threshold_, n);
        address previous;
        for (uint256 i; i < n; ++i) {
            address s = signers_[i];
            if (s == address(0)) revert ZeroSigner(i);
            if (s <= previous) revert SignersNotSorted(i, previous, s);
            previous = s;
        }
    }

    function _setSigners(address[] memory signers_, uint8 threshold_) private {
        _checkSigners(signers_, threshold_);
        uint32 version = _configVersion + 1;
        for (uint256 i; i < signers_.length; ++i) {
            _signerVersion[signers_[i]] = version;
        }
        _signers = signers_;
        _threshold = threshold_;
        _configVersion = version;
        emit SignersChanged(version, signers_, threshold_);
    }

    function _setGuardian(address guardian_) private {
        emit GuardianChanged(_guardian, guardian_);
        _guardian = guardian_;
    }

    function _setRootDelay(uint64 delay) private {
        if (delay > MAX_DELAY) revert DelayTooLong(delay, MAX_DELAY);
        _rootDelay = delay;
        emit RootDelayChanged(delay);
    }

    function _setWithdrawalDelay(uint64 delay) private {
        if (delay > MAX_DELAY) revert DelayTooLong(delay, MAX_DELAY);
        _withdrawalDelay = delay;
        emit WithdrawalDelayChanged(delay);
    }

    /// @dev Requires at least `threshold` signatures, each recovering (low s) to a current signer, strictly ascending.
    function _verifySignatures(bytes32 digest, bytes[] calldata signatures) private view {
        uint256 count = signatures.length;
        if (count < _threshold) revert InsufficientSignatures(count, _threshold);
        uint32 version = _configVersion;
        address previous;
        for (uint256 i; i < count; ++i) {
            (address signer, ECDSA.RecoverError err, bytes32 errArg) = ECDSA.tryRecoverCalldata(digest, signatures[i]);
            if (err == ECDSA.RecoverError.InvalidSignatureS) revert MalleableSignature(i, errArg);
            if (err != ECDSA.RecoverError.NoError) revert InvalidSignature(i);
            if (signer <= previous) revert SignerOrder(i, previous, signer);
            if (_signerVersion[signer] != version) revert UnknownSigner(i, signer);
            previous = signer;
        }
    }

    /// @dev Takes each debit from its platform's escrow and adds it to the token's total debited; a debit above the
    /// escrow is held back instead (nothing taken, DebitHeldBack emitted). Returns which were held back: an empty
    /// array when none was (the common case allocates nothing), else one flag per debit.
    function _debit(uint64 epoch, Debit[] calldata debits) private returns (bool[] memory held) {
        for (uint256 i; i < debits.length; ++i) {
            uint256 platformId = debits[i].platformId;
            uint256 amount = debits[i].amount;
            Platform storage p = _platform(platformId);
            uint256 escrow = p.escrow;
            if (amount > escrow) {
                if (held.length == 0) held = new bool[](debits.length);
                held[i] = true;
                emit DebitHeldBack(epoch, platformId, amount, escrow);
                continue;
            }
            address token = p.token;
            // unchecked: amount <= escrow <= _totalEscrow[token].
            unchecked {
                p.escrow = escrow - amount;
                _totalEscrow[token] -= amount;
            }
            _totals[token].debited += amount.toUint128();
            emit PlatformDebited(epoch, platformId, amount);
        }
    }

    /// @dev EIP-712 struct hash of a Report whose debits hash is `debitsHash`.
    function _hashReport(Report calldata report, bytes32 debitsHash) private pure returns (bytes32) {
        return keccak256(
            abi.encode(REPORT_TYPEHASH, report.epoch, report.configVersion, report.root, report.dataHash, debitsHash)
        );
    }

    /// @dev The debits hash of what `_debit` took: as `_hashDebits`, with every held-back debit's amount as 0.
    function _hashAppliedDebits(Debit[] calldata debits, bool[] memory held) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](debits.length);
        for (uint256 i; i < debits.length; ++i) {
            uint256 amount = held[i] ? 0 : debits[i].amount;
            hashes[i] = keccak256(abi.encode(DEBIT_TYPEHASH, debits[i].platformId, amount));
        }
        return keccak256(abi.encodePacked(hashes));
    }

    /// @dev EIP-712 hash of Debit[]: keccak256 of the concatenated Debit struct hashes.
    function _hashDebits(Debit[] calldata debits) private pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](debits.length);
        for (uint256 i; i < debits.length; ++i) {
            hashes[i] = keccak256(abi.encode(DEBIT_TYPEHASH, debits[i].platformId, debits[i].amount));
        }
        return keccak256(abi.encodePacked(hashes));
    }

    /// @dev Reverts unless the leaf (account, token, cumulativeAmount) is proven by `proof` against `root` (the
    /// accepted root, read by the caller) or, only if that fails, against the pending root once its delay has passed
    /// (until the next post promotes it, both verify; cumulative amounts never shrink, so an older leaf can at most
    /// pay less now and the rest later). Steady state reads no storage here beyond the caller's one root read.
    function _verifyLeaf(
        bytes32 root,
        address account,
        address token,
        uint256 cumulativeAmount,
        bytes32[] calldata proof
    ) private view {
        bytes32 leaf;
        // The StandardMerkleTree leaf keccak256(bytes.concat(keccak256(abi.encode(account, token, cumulativeAmount))))
        // hashed in scratch memory instead of allocating abi.encode's bytes. Memory-safe: writes 0x00-0x5f (scratch
        // space and the free memory pointer, restored before the block ends); addresses are already clean 160-bit words.
        assembly ("memory-safe") {
            let fmp := mload(0x40)
            mstore(0x00, account)
            mstore(0x20, token)
            mstore(0x40, cumulativeAmount)
            mstore(0x00, keccak256(0x00, 0x60))
            leaf := keccak256(0x00, 0x20)
            mstore(0x40, fmp)
        }
        bytes32 computed = _processProof(proof, leaf);
        if (root != bytes32(0) && computed == root) return;
        Epochs memory e = _epochs;
        bytes32 matured = (e.pendingValidAt != 0 && block.timestamp >= e.pendingValidAt) ? _pendingRoot : bytes32(0);
        if (matured != bytes32(0) && computed == matured) return;
        if (root == bytes32(0) && matured == bytes32(0)) revert NoRoot();
        revert InvalidProof(matured != bytes32(0) ? matured : root);
    }

    /// @dev The root `proof` leads to from `leaf`: exactly OpenZeppelin MerkleProof.processProofCalldata (each step
    /// hashes the sorted pair, Hashes.commutativeKeccak256), in a tight assembly loop: ~60 gas per level instead of
    /// ~250 (a differential fuzz test checks it against OpenZeppelin). Memory-safe: writes only the scratch space.
    function _processProof(bytes32[] calldata proof, bytes32 leaf) private pure returns (bytes32 computed) {
        assembly ("memory-safe") {
            computed := leaf
            if proof.length {
                let offset := proof.offset
                let end := add(offset, shl(5, proof.length))
                for {} 1 {} {
                    let sibling := calldataload(offset)
                    // the smaller word first: computed goes to 0x20 if it is the larger one, else to 0x00, and the
                    // sibling to the other word (0x20 xor 0x20 = 0x00, 0x00 xor 0x20 = 0x20)
                    let at := shl(5, gt(computed, sibling))
                    mstore(at, computed)
                    mstore(xor(at, 0x20), sibling)
                    computed := keccak256(0x00, 0x40)
                    offset := add(offset, 0x20)
                    if iszero(lt(offset, end)) { break }
                }
            }
        }
    }

    /// @inheritdoc IUsageSettlement
    function processProof(bytes32[] calldata proof, bytes32 leaf) external pure returns (bytes32) {
        return _processProof(proof, leaf);
    }

    /// @dev The storage slot of `_claimed[account][token]`, computed once per claim (Solidity would hash both mapping
    /// keys again for the write). Memory-safe: writes only the scratch space (0x00-0x3f).
    function _claimedSlot(address account, address token) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, account)
            mstore(0x20, _claimed.slot)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, token)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @dev The word at storage slot `slot` (a slot from `_claimedSlot`).
    function _load(uint256 slot) private view returns (uint256 value) {
        assembly ("memory-safe") {
            value := sload(slot)
        }
    }

    /// @dev Pays `account` cumulativeAmount - already (> 0, checked by the caller) of `token` within the token's
    /// debited-but-unclaimed total, records the new claimed amount first (checks-effects-interactions) and transfers.
    /// `claimedSlot` is `_claimedSlot(account, token)`, whose value the caller read as `already`.
    /// The token's TokenTotals slot is read once and written once as a word: debited in the low 128 bits, claimed in
    /// the high 128 bits (Solidity's packing of the struct, first member lowest).
    function _pay(uint256 claimedSlot, address account, address token, uint256 cumulativeAmount, uint256 already)
        private
        returns (uint256 paid)
    {
        // unchecked: cumulativeAmount > already (checked by the caller).
        unchecked {
            paid = cumulativeAmount - already;
        }
        uint256 totalsSlot;
        uint256 totals;
        assembly ("memory-safe") {
            mstore(0x00, token)
            mstore(0x20, _totals.slot)
            totalsSlot := keccak256(0x00, 0x40)
            totals := sload(totalsSlot)
        }
        uint256 available;
        // unchecked: claimed <= debited is this contract's invariant (claims are capped here, refunds in revoke), and
        // both are uint128 halves of the word, so the difference is in [0, 2^128).
        unchecked {
            // casting to 'uint128' is safe because it keeps exactly the low half of the word, the debited total
            // forge-lint: disable-next-line(unsafe-typecast)
            available = uint256(uint128(totals)) - (totals >> 128);
        }
        if (paid > available) revert InsolventClaim(token, paid, available);
        // paid <= available = debited - claimed, so the new claimed total claimed + paid <= debited < 2^128: adding
        // paid << 128 to the word cannot carry out of the high half (and the EVM add wraps, it never reverts).
        assembly ("memory-safe") {
            sstore(claimedSlot, cumulativeAmount)
            sstore(totalsSlot, add(totals, shl(128, paid)))
        }
        emit Claimed(account, token, paid, cumulativeAmount);
        _send(token, account, paid);
    }

    /// @dev Sends `amount` of `token` (ETH by call) to `to`.
    function _send(address token, address to, uint256 amount) private {
        if (token == NATIVE_TOKEN) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert EthTransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }
}
