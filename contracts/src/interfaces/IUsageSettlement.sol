// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title IUsageSettlement
/// @notice Platform escrows, oracle-signed settlement roots and Merkle claims of cumulative per-account royalties.
/// @dev Money flow: a platform (payer) funds its escrow in one token; the oracle signers (k of n) sign an EIP-712
/// `Report` per epoch carrying the Merkle root of cumulative per-account totals and this epoch's per-platform debits;
/// `post` takes the debits from the escrows and stores only the root (gas O(1) in tracks and accounts); anyone may
/// `claim` an account's cumulative amount minus what the account already claimed, paid to the account itself
/// (Morpho Universal Rewards Distributor style), so a relayer can pay the gas.
///
/// Amount rule (computed off chain by the oracle, recomputable by anyone from the published data file, the on-chain
/// rate cards and the splits' on-chain recipient roots):
/// 1. Per (track, platform, class): floor(cumulativeMicroUnits * rate[class] / (UNIT_SCALE * RATE_SCALE))
///    = floor(cumulativeMicroUnits * rate / 1e12). A track's amount A in a token is the sum of those floors over the
///    platforms and classes paying in that token.
/// 2. Per (track, account path): the track's split has recipients with shares out of 1e6; a recipient that is itself a
///    known split is expanded recursively, up to depth 4 (the track's own split is depth 1; a split met deeper, or one
///    whose track settles to the split, is itself the account). Along a path p = (s_1, ..., s_d) the account is
///    credited floor(A * s_1 * ... * s_d / 1e6^d): one floor per (track, account path), always of cumulative totals.
/// 3. A leaf's `cumulativeAmount` is the sum, over every track and every path by which the account is reached, of
///    those floors. Because every floor is taken of cumulative totals, rounding never compounds over epochs; the dust
///    per (track, token) is below the number of the track's terminal paths; it is debited but never claimed.
/// The contract does not recompute amounts; it enforces signatures and solvency (claimed <= debited per token).
///
/// Governance (issue 11): changes to the signers and threshold, the guardian, the root delay, the withdrawal notice
/// and the rate cards are queued by the owner (`queueChange`) and applied by anyone (`applyChange`) only after the
/// governance delay = rootDelay + withdrawalDelay, so a platform seeing a queued change can withdraw its escrow and
/// accounts can claim what is already proven before it takes effect; the guardian (or the owner) can cancel a queued
/// change. Rate changes are effective from a timestamp no earlier than their application, never retroactive.
/// Platforms are registered by the registrar (the API's hot key), a role distinct from the owner (a multisig).
///
/// Leaves: OpenZeppelin StandardMerkleTree with types ["address","address","uint256"]:
/// leaf = keccak256(bytes.concat(keccak256(abi.encode(account, token, cumulativeAmount)))),
/// pairs hashed sorted (commutative keccak256), proofs verified with OpenZeppelin MerkleProof.
interface IUsageSettlement {
    /// @notice One platform's escrow debit inside a report: this epoch's increment, in the platform's token base units.
    struct Debit {
        uint256 platformId;
        uint256 amount;
    }

    /// @notice The EIP-712 signed settlement report.
    /// @dev Type string: "Report(uint64 epoch,uint32 configVersion,bytes32 root,bytes32 dataHash,Debit[] debits)
    /// Debit(uint256 platformId,uint256 amount)"; `debits` is hashed as keccak256 of the concatenated Debit struct hashes.
    struct Report {
        uint64 epoch;
        uint32 configVersion;
        bytes32 root;
        bytes32 dataHash;
        Debit[] debits;
    }

    /// @notice One entry of a `claimMany` batch: an account's leaf and its proof against the current root.
    /// @param account The account paid (always the account itself, whoever sends the transaction).
    /// @param token The token of the leaf (ERC-7528 0xEeee...EEeE for native ETH).
    /// @param cumulativeAmount The account's cumulative amount of `token` in the leaf.
    /// @param proof The Merkle proof of the leaf.
    struct Claim {
        address account;
        address token;
        uint256 cumulativeAmount;
        bytes32[] proof;
    }

    /// @notice A rate card and the time from which it is in force.
    /// @param effectiveFrom Unix time from which `rates` apply (the first card of a platform: 0).
    /// @param rates Token base units per usage unit per class, scaled by RATE_SCALE (1e6).
    struct RateCard {
        uint64 effectiveFrom;
        uint256[6] rates;
    }

    /// @notice What a queued governance change changes; its `data` is the ABI encoding shown.
    /// Signers: abi.encode(address[] signers, uint8 threshold). Guardian: abi.encode(address guardian).
    /// RootDelay, WithdrawalDelay: abi.encode(uint64 seconds).
    /// Rates: abi.encode(uint256 platformId, uint256[6] rates, uint64 effectiveFrom).
    enum ChangeKind {
        Signers,
        Guardian,
        RootDelay,
        WithdrawalDelay,
        Rates
    }

    /// @notice A registered platform.
    /// @param payer The account allowed to request and execute escrow withdrawals.
    /// @param token The escrow token (ERC-7528 0xEeee...EEeE for native ETH).
    /// @param rates The rate card in force now: token base units per usage unit per class, scaled by RATE_SCALE (1e6).
    /// @param escrow The platform's escrow balance in token base units.
    struct PlatformInfo {
        address payer;
        address token;
        uint256[6] rates;
        uint256 escrow;
    }

    // ------------------------------------------------------------------ errors

    /// @notice `account` is the zero address where an account is required (`what` names the parameter).
    error ZeroAddress(string what);
    /// @notice `token` is neither the ERC-7528 native address nor a contract.
    error InvalidToken(address token);
    /// @notice No platform has id `platformId`.
    error UnknownPlatform(uint256 platformId);
    /// @notice `caller` is not the payer `payer` of platform `platformId`.
    error NotPayer(uint256 platformId, address caller, address payer);
    /// @notice `caller` is not the guardian `guardian` (nor, where the owner may act too, the owner).
    error NotGuardian(address caller, address guardian);
    /// @notice `caller` is not the registrar `registrar`.
    error NotRegistrar(address caller, address registrar);
    /// @notice No queued change has id `changeId` (never queued, applied or cancelled).
    error UnknownChange(uint256 changeId);
    /// @notice The kind and data given hash to `given`, not to the queued change's `expected`.
    error ChangeMismatch(uint256 changeId, bytes32 expected, bytes32 given);
    /// @notice Change `changeId` may be applied only from `eta` (now `nowTs`).
    error ChangeNotReady(uint256 changeId, uint64 eta, uint64 nowTs);
    /// @notice A rate change effective from `effectiveFrom` would apply before it can be applied (`earliest`).
    error RatesEffectiveTooEarly(uint64 effectiveFrom, uint64 earliest);
    /// @notice Platform `platformId`'s new card (from `effectiveFrom`) precedes its latest card (from `latest`).
    error RatesOutOfOrder(uint256 platformId, uint64 effectiveFrom, uint64 latest);
    /// @notice The withdrawal request of platform `platformId` expired at `expiredAt` (now `nowTs`).
    error WithdrawalExpired(uint256 platformId, uint64 expiredAt, uint64 nowTs);
    /// @notice An amount of zero was given where a positive amount is required.
    error ZeroAmount();
    /// @notice An ETH deposit sent `value` wei for an `amount` of `amount`.
    error EthValueMismatch(uint256 value, uint256 amount);
    /// @notice ETH (`value` wei) was sent with an operation that takes none.
    error UnexpectedEthValue(uint256 value);
    /// @notice An ERC-20 deposit of `amount` credited only `received` (fee-on-transfer tokens are not supported).
    error TransferAmountMismatch(address token, uint256 amount, uint256 received);
    /// @notice A delay of `delay` seconds exceeds the maximum `max`.
    error DelayTooLong(uint64 delay, uint64 max);
    /// @notice Platform `platformId` has no withdrawal request.
    error NoWithdrawalRequested(uint256 platformId);
    /// @notice The withdrawal of platform `platformId` is available only at `availableAt` (now `nowTs`).
    error WithdrawalNotReady(uint256 platformId, uint64 availableAt, uint64 nowTs);
    /// @notice An ETH transfer of `amount` wei to `to` failed.
    error EthTransferFailed(address to, uint256 amount);

    /// @notice The signer list is empty.
    error NoSigners();
    /// @notice `count` signers exceed the maximum `max`.
    error TooManySigners(uint256 count, uint256 max);
    /// @notice Signer `index` is the zero address.
    error ZeroSigner(uint256 index);
    /// @notice Signer `index` (`current`) is not strictly above the previous one (`previous`): unsorted or duplicate.
    error SignersNotSorted(uint256 index, address previous, address current);
    /// @notice `threshold` is not within 1..`signerCount`.
    error InvalidThreshold(uint256 threshold, uint256 signerCount);

    /// @notice The report's epoch `epoch` is not the next one, `expected` = lastEpoch + 1 (epochs are sequential).
    error EpochOutOfSequence(uint64 epoch, uint64 expected);
    /// @notice The report was signed for signer config `configVersion`; the current one is `current`.
    error ConfigVersionMismatch(uint32 configVersion, uint32 current);
    /// @notice The report's root is zero.
    error ZeroRoot();
    /// @notice `count` signatures were given; the threshold is `threshold`.
    error InsufficientSignatures(uint256 count, uint256 threshold);
    /// @notice Signature `index` is malformed (bad length or unrecoverable).
    error InvalidSignature(uint256 index);
    /// @notice Signature `index` has a high `s` value `s` (malleable; EIP-2).
    error MalleableSignature(uint256 index, bytes32 s);
    /// @notice Signature `index` recovered `signer`, which is not strictly above the previous signer `previous`.
    error SignerOrder(uint256 index, address previous, address signer);
    /// @notice Signature `index` recovered `signer`, which is not in the current signer set.
    error UnknownSigner(uint256 index, address signer);
    /// @notice The root of epoch `epoch` is still pending until `validAt`; only one root may be pending.
    error RootStillPending(uint64 epoch, uint64 validAt);

    /// @notice No root is pending (for `epoch`), or the pending root is of epoch `pendingEpoch`.
    error NotPendingEpoch(uint64 epoch, uint64 pendingEpoch);
    /// @notice The pending root of epoch `epoch` became valid at `validAt`; it can no longer be revoked.
    error RootAlreadyValid(uint64 epoch, uint64 validAt);
    /// @notice The debits given hash to `given`, not to the stored hash `expected` of the pending report.
    error DebitsMismatch(bytes32 expected, bytes32 given);

    /// @notice No root has been accepted yet.
    error NoRoot();
    /// @notice The proof does not prove the leaf against the current root `root`.
    error InvalidProof(bytes32 root);
    /// @notice `account` already claimed `alreadyClaimed` of `token`, not less than the leaf's `cumulativeAmount`.
    error NothingToClaim(address account, address token, uint256 cumulativeAmount, uint256 alreadyClaimed);
    /// @notice Paying `amount` of `token` exceeds what was debited and not yet claimed (`available`).
    error InsolventClaim(address token, uint256 amount, uint256 available);

    // ------------------------------------------------------------------ events

    /// @notice Platform `platformId` was registered with payer `payer`, token `token` and rate card `rates`.
    event PlatformRegistered(
        uint256 indexed platformId, address indexed payer, address indexed token, uint256[6] rates
    );
    /// @notice Platform `platformId` gets the rate card `rates`, in force from `effectiveFrom`.
    event RatesChanged(uint256 indexed platformId, uint256[6] rates, uint64 effectiveFrom);
    /// @notice The registrar changed from `previousRegistrar` to `newRegistrar`.
    event RegistrarChanged(address indexed previousRegistrar, address indexed newRegistrar);
    /// @notice Governance change `changeId` (`kind`, ABI `data`) was queued; it may be applied from `eta`.
    event ChangeQueued(uint256 indexed changeId, ChangeKind indexed kind, bytes data, uint64 eta);
    /// @notice Governance change `changeId` was applied.
    event ChangeApplied(uint256 indexed changeId, ChangeKind indexed kind, bytes data);
    /// @notice Governance change `changeId` was cancelled by `by` (the guardian or the owner).
    event ChangeCancelled(uint256 indexed changeId, address indexed by);
    /// @notice The debit `amount` of platform `platformId` in epoch `epoch` was held back: its escrow (`escrow`)
    /// could not cover it, so nothing was taken from it and the rest of the report was settled.
    event DebitHeldBack(uint64 indexed epoch, uint256 indexed platformId, uint256 amount, uint256 escrow);
    /// @notice `from` deposited `amount` into the escrow of platform `platformId`.
    event EscrowDeposited(uint256 indexed platformId, address indexed from, uint256 amount);
    /// @notice The payer of platform `platformId` requested to withdraw `amount`, available at `availableAt`.
    event WithdrawalRequested(uint256 indexed platformId, uint256 amount, uint64 availableAt);
    /// @notice `amount` was withdrawn from the escrow of platform `platformId` to `to`.
    event EscrowWithdrawn(uint256 indexed platformId, address indexed to, uint256 amount);
    /// @notice The oracle signer set became `signers` with threshold `threshold`, as config `configVersion`.
    event SignersChanged(uint32 indexed configVersion, address[] signers, uint8 threshold);
    /// @notice The guardian changed from `previousGuardian` to `newGuardian`.
    event GuardianChanged(address indexed previousGuardian, address indexed newGuardian);
    /// @notice The root delay became `rootDelay` seconds.
    event RootDelayChanged(uint64 rootDelay);
    /// @notice The withdrawal notice period became `withdrawalDelay` seconds.
    event WithdrawalDelayChanged(uint64 withdrawalDelay);
    /// @notice The root `root` of epoch `epoch` (published data `dataHash`) was posted; claimable from `validAt`.
    event RootPosted(uint64 indexed epoch, bytes32 root, bytes32 dataHash, uint64 validAt);
    /// @notice Platform `platformId`'s escrow was debited `amount` in epoch `epoch`.
    event PlatformDebited(uint64 indexed epoch, uint256 indexed platformId, uint256 amount);
    /// @notice The pending root of epoch `epoch` was revoked by the guardian; its debits were refunded.
    event RootRevoked(uint64 indexed epoch);
    /// @notice Platform `platformId`'s escrow was refunded `amount` from the revoked epoch `epoch`.
    event DebitRefunded(uint64 indexed epoch, uint256 indexed platformId, uint256 amount);
    /// @notice `account` was paid `amount` of `token`, bringing its claimed total to `cumulativeAmount`.
    event Claimed(address indexed account, address indexed token, uint256 amount, uint256 cumulativeAmount);

    // ------------------------------------------------------------------ platforms and escrow

    /// @notice Registers a platform (registrar only). Ids are sequential from 1. Its first rate card is in force
    /// from time 0 (no usage can precede the registration).
    /// @param payer The platform's payer account (withdraws escrow).
    /// @param token The escrow token; ERC-7528 0xEeee...EEeE for ETH. Fee-on-transfer and rebasing tokens are unsupported.
    /// @param rates Token base units per usage unit per class, scaled by RATE_SCALE.
    /// @return platformId The new platform's id.
    function registerPlatform(address payer, address token, uint256[6] calldata rates)
        external
        returns (uint256 platformId);

    /// @notice Hands the registrar role to `registrar` (owner only; takes effect at once: registering a platform
    /// moves no money, a platform's escrow is only what its payer deposits).
    function setRegistrar(address registrar) external;

    /// @notice The account allowed to register platforms.
    function registrar() external view returns (address);

    /// @notice The rate card of `platformId` in force at `timestamp` (what the oracle prices a period's usage by:
    /// the last card whose effectiveFrom <= timestamp).
    function ratesAt(uint256 platformId, uint256 timestamp) external view returns (uint256[6] memory);

    /// @notice Every rate card of `platformId`, by ascending effectiveFrom (the history the oracle prices by).
    function rateCards(uint256 platformId) external view returns (RateCard[] memory);

    /// @notice Adds `amount` to the escrow of `platformId`; anyone may deposit.
    /// @dev ETH platforms: msg.value must equal `amount`. ERC-20 platforms: SafeERC20 transferFrom msg.sender, no ETH.
    function deposit(uint256 platformId, uint256 amount) external payable;

    /// @notice Requests to withdraw `amount` from the escrow of `platformId` (payer only); replaces any earlier request.
    /// @dev The request is capped at the escrow at request time (reverts ZeroAmount when that is 0). The withdrawal is
    /// available `withdrawalDelay` seconds later and, until then, the whole escrow stays debitable; once available it
    /// can be executed for WITHDRAWAL_WINDOW seconds, after which it has expired (a new request restarts the notice).
    function requestWithdrawal(uint256 platformId, uint256 amount) external;

    /// @notice Executes the pending withdrawal of `platformId` to `to` (payer only, after the notice period and
    /// before the request expires: reverts WithdrawalNotReady / WithdrawalExpired).
    /// @return amount The amount paid: min(requested, escrow at execution).
    function withdraw(uint256 platformId, address to) external returns (uint256 amount);

    /// @notice The platform `platformId` (payer, token, the rate card in force now, escrow). Reverts UnknownPlatform
    /// for an unknown id.
    function platform(uint256 platformId) external view returns (PlatformInfo memory);

    /// @notice The number of registered platforms (the highest id).
    function platformCount() external view returns (uint256);

    /// @notice The pending withdrawal request of `platformId`: `amount` (0 = none), available from `availableAt`,
    /// expired from availableAt + WITHDRAWAL_WINDOW.
    function pendingWithdrawal(uint256 platformId) external view returns (uint256 amount, uint64 availableAt);

    // ------------------------------------------------------------------ configuration

    /// @notice Queues a governance change (owner only); it can be applied from `eta` = now + governanceDelay().
    /// @dev `data` is checked now as it will be at application (signers sorted, threshold in range, delays within
    /// MAX_DELAY, the platform known); a Rates change must be effective from `eta` or later (RatesEffectiveTooEarly).
    /// Replaces the former instant setters (setSigners, setGuardian, setRootDelay, setWithdrawalDelay, setRates).
    /// @param kind What the change changes.
    /// @param data Its ABI-encoded arguments (see ChangeKind).
    /// @return changeId The change's id (sequential from 1).
    /// @return eta When it may be applied.
    function queueChange(ChangeKind kind, bytes calldata data) external returns (uint256 changeId, uint64 eta);

    /// @notice Applies queued change `changeId` (anyone, from its eta); `kind` and `data` must be exactly as queued.
    /// @dev A Signers change bumps `configVersion`; reports signed for the old config stop verifying.
    function applyChange(uint256 changeId, ChangeKind kind, bytes calldata data) external;

    /// @notice Cancels queued change `changeId` (the guardian or the owner).
    function cancelChange(uint256 changeId) external;

    /// @notice Queued change `changeId`: keccak256(abi.encode(kind, data)) and its eta (zeros when none).
    function queuedChange(uint256 changeId) external view returns (bytes32 hash, uint64 eta);

    /// @notice The number of changes ever queued (the highest change id).
    function changeCount() external view returns (uint256);

    /// @notice The delay between queuing and applying a change: rootDelay + withdrawalDelay.
    function governanceDelay() external view returns (uint64);

    /// @notice The current oracle signer set, ascending.
    function signers() external view returns (address[] memory);

    /// @notice The number of signatures required.
    function threshold() external view returns (uint8);

    /// @notice The signer config version that reports must be signed for (starts at 1, bumped by setSigners).
    function configVersion() external view returns (uint32);

    /// @notice Whether `account` is in the current signer set.
    function isSigner(address account) external view returns (bool);

    /// @notice The guardian.
    function guardian() external view returns (address);

    /// @notice Seconds between posting a root and it becoming claimable.
    function rootDelay() external view returns (uint64);

    /// @notice Escrow withdrawal notice period in seconds.
    function withdrawalDelay() external view returns (uint64);

    // ------------------------------------------------------------------ reports and roots

    /// @notice Posts a signed report: checks signatures, takes the debits from the escrows, stores the root.
    /// @dev Epochs are strictly sequential: `report.epoch` must be lastEpoch() + 1 (EpochOutOfSequence). A debit that
    /// its platform's escrow cannot cover is held back, not taken (DebitHeldBack), and the post goes on: one short
    /// platform never blocks the others. Its accounts' leaves are then backed only once a later report debits it;
    /// until then claims stay capped by the token's debited total. The oracle avoids this by treating matured
    /// withdrawal requests as withdrawn when it decides what a platform covers; the only window left is a
    /// withdrawal executed between that decision and the post, which this rule keeps from reverting the post.
    /// The pending debits hash (for `revoke`) is of the debits taken, held-back amounts counted as 0.
    /// @dev Permissionless: anyone may submit a properly signed report. `signatures` must recover to current signers
    /// in strictly ascending address order, at least `threshold` of them; each signature is 65 bytes (r, s, v), low s.
    /// Reverts RootStillPending while a previous root is pending; a pending root whose delay has passed is accepted first.
    function post(Report calldata report, bytes[] calldata signatures) external;

    /// @notice Revokes the pending root of `epoch` (guardian only, before it becomes valid), clears it and refunds its
    /// debits, each capped at what is still unclaimed in its token (it never reverts for a refund it cannot make).
    /// @dev `debits` must be exactly the debits the post took (the report's, held-back ones as 0), checked against the
    /// stored EIP-712 debits hash. Per token, a refund is min(debit, totalDebited - totalClaimed): if an earlier
    /// over-allocating root let claims spend these debits, the claimed part stays debited and DebitRefunded carries
    /// what was actually refunded.
    /// The epoch stays used: the next report needs a higher epoch and, if the usage was right, the same debits again.
    function revoke(uint64 epoch, Debit[] calldata debits) external;

    /// @notice Pays `account` its `cumulativeAmount` of `token` minus what it already claimed, proven against the
    /// current root.
    /// @dev Permissionless: anyone (a relayer) may send it; the payment always goes to `account` itself. ETH is sent by
    /// call, ERC-20 by SafeERC20 transfer. Never pays more than totalDebited(token) - totalClaimed(token) (reverts
    /// InsolventClaim). Reverts NothingToClaim when `cumulativeAmount` <= claimed(account, token) (checked before the
    /// proof), InvalidProof when the leaf is not in the current root, NoRoot before any root is current.
    /// The current root is the last accepted root and, once its delay has passed, the pending root (both verify until
    /// the next post promotes the pending one; cumulative amounts only grow, so an older leaf never pays more).
    /// A revoked root and a root still inside its delay never verify.
    /// `cumulativeAmount` is the per-account sum over tracks and account paths of floor(A_track * prod(shares) /
    /// 1e6^depth) (see the amount rule above); the contract pays the difference to what was claimed, so nothing is
    /// paid twice and an account is never paid more than its latest leaf.
    /// @param account The account to pay (the leaf's first field).
    /// @param token The leaf's token (ERC-7528 0xEeee...EEeE for ETH).
    /// @param cumulativeAmount The leaf's cumulative amount.
    /// @param proof The Merkle proof of the leaf against the current root.
    /// @return paid The amount paid to `account` (always > 0).
    function claim(address account, address token, uint256 cumulativeAmount, bytes32[] calldata proof)
        external
        returns (uint256 paid);

    /// @notice Claims several leaves in one transaction (several tokens of one account, or several accounts: a
    /// relayer batch). Each entry pays its own `account`, exactly as `claim` would.
    /// @dev An entry with nothing left to claim (`cumulativeAmount` <= claimed) is skipped before its proof is
    /// checked: it pays 0 and does not revert, so one early claimer does not break a relayer's batch. Any other entry
    /// reverts the whole batch on a bad proof (InvalidProof), no root (NoRoot), insolvency (InsolventClaim) or a failed
    /// transfer. Entries are processed in order; an account listed twice for one token pays once.
    /// @param claims The entries.
    /// @return totalPaid The sum of the amounts paid (summed across tokens: meaningful only for a one-token batch).
    function claimMany(Claim[] calldata claims) external returns (uint256 totalPaid);

    /// @notice The EIP-712 digest that signers sign for `report` (domain "UsageSettlement", version "1").
    function reportDigest(Report calldata report) external view returns (bytes32);

    /// @notice The EIP-712 hash of a debit list: keccak256 of the concatenated Debit struct hashes.
    function hashDebits(Debit[] calldata debits) external pure returns (bytes32);

    /// @notice The highest epoch posted so far (accepted, pending or revoked); 0 before the first report.
    function lastEpoch() external view returns (uint64);

    /// @notice The root claims are proven against now, and its epoch (0, 0 before the first accepted root).
    /// @dev A pending root whose delay has passed is the current root.
    function currentRoot() external view returns (bytes32 root, uint64 epoch);

    /// @notice The root still inside its delay (zeros if none): root, epoch, the time it becomes valid, its debits hash.
    function pendingRoot() external view returns (bytes32 root, uint64 epoch, uint64 validAt, bytes32 debitsHash);

    /// @notice The cumulative amount of `token` already paid to `account` by claims.
    function claimed(address account, address token) external view returns (uint256);

    /// @notice Total of `token` debited from escrows (net of refunds).
    function totalDebited(address token) external view returns (uint256);

    /// @notice Total of `token` paid out by claims (never above totalDebited(token)).
    function totalClaimed(address token) external view returns (uint256);

    /// @notice Sum of the escrows of all platforms paying in `token`.
    function totalEscrow(address token) external view returns (uint256);
}
