def shout(text):
    return text.upper() + "!"


def whisper(text):
    return text.lower() + "..."


def never_called(text):
    out = []
    for word in text.split():
        out.append(word[::-1])
    return " ".join(out)


if __name__ == "__main__":
    print(shout("main"))
