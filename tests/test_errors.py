import pytest

from kraken_cli import errors
from kraken_cli.cli.exit_codes import exit_code_for


@pytest.mark.parametrize(
    ("kraken", "cls", "code"),
    [
        ("EAPI:Invalid key", errors.InvalidKeyError, 4),
        ("EAPI:Invalid signature", errors.InvalidSignatureError, 4),
        ("EAPI:Invalid nonce", errors.InvalidNonceError, 4),
        ("EGeneral:Permission denied", errors.PermissionDeniedError, 4),
        ("EGeneral:Temporary lockout", errors.LockoutError, 4),
        ("EAPI:Rate limit exceeded", errors.RateLimitError, 7),
        ("EGeneral:Too many requests", errors.RateLimitError, 7),
        ("EOrder:Rate limit exceeded", errors.OrderRateLimitError, 7),
        ("EService: Throttled: 1790000000", errors.RateLimitError, 7),
        ("EQuery:Unknown asset pair", errors.UnknownPairError, 5),
        ("EOrder:Insufficient funds", errors.OrderError, 5),
        ("EOrder:Order minimum not met", errors.OrderError, 5),
        ("EGeneral:Invalid arguments:volume", errors.KrakenError, 5),
        ("EService:Unavailable", errors.ServiceUnavailableError, 5),
        ("EService:Busy", errors.ServiceUnavailableError, 5),
        ("EGeneral:Internal error:5", errors.InternalServerError, 5),
        ("ESession:Invalid session", errors.AuthError, 4),
        ("EWhatever:Never seen", errors.KrakenError, 5),
    ],
)
def test_kraken_strings_map_to_classes_and_codes(
    kraken: str, cls: type[errors.KrxError], code: int
) -> None:
    error = errors.from_kraken([kraken])
    assert type(error) is cls
    assert error.kraken == [kraken]
    assert exit_code_for(error) == code


def test_throttle_keeps_the_retry_time() -> None:
    assert errors.from_kraken(["EService: Throttled: 1790000000"]).retry_at == 1790000000.0


def test_nonce_error_explains_the_fix() -> None:
    hint = errors.from_kraken(["EAPI:Invalid nonce"]).hint or ""
    assert "nanoseconds" in hint and "new API key" in hint


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.UsageError("x"), 2),
        (errors.UnknownSymbolError("x"), 2),
        (errors.BadIntervalError("x"), 2),
        (errors.ConfigError("x"), 3),
        (errors.AuthError("x"), 4),
        (errors.KrakenError("x"), 5),
        (errors.NetworkError("x"), 6),
        (errors.RequestTimeoutError("x"), 6),
        (errors.RateLimitError("x"), 7),
        (errors.IntegrityError("x"), 8),
        (RuntimeError("bug"), 1),
    ],
)
def test_exit_code_table(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == code


def test_json_shape() -> None:
    assert errors.KrxError("m", kraken=["E:x"]).to_json() == {
        "type": "error",
        "message": "m",
        "kraken": ["E:x"],
    }
