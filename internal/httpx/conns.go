package httpx

import (
	"fmt"
	"net"
	"sync"
	"time"
)

// LimitConns caps open connections per client network (TruncateIP of the
// remote address). A connection over the cap gets a JSON 429 with
// Retry-After and is closed at once, before any request is read: a greedy
// client cannot take every socket the server has.
func LimitConns(ln net.Listener, max int) net.Listener {
	return &connLimiter{Listener: ln, max: max, open: map[string]int{}}
}

type connLimiter struct {
	net.Listener
	max  int
	mu   sync.Mutex
	open map[string]int
}

// tooManyConns is the whole answer to a connection over the cap.
var tooManyConns = func() []byte {
	body := `{"error":{"code":"too_many_connections","message":"Too many connections from your network; try again shortly."}}`
	return []byte(fmt.Sprintf("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"+
		"Cache-Control: no-store\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s", len(body), body))
}()

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		key := networkOf(c.RemoteAddr())
		l.mu.Lock()
		ok := l.open[key] < l.max
		if ok {
			l.open[key]++
		}
		l.mu.Unlock()
		if ok {
			return &countedConn{Conn: c, release: func() { l.release(key) }}, nil
		}
		go refuse(c)
	}
}

func (l *connLimiter) release(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
}

// refuse answers 429 and closes; a client that does not read gets a
// second to take the answer.
func refuse(c net.Conn) {
	c.SetWriteDeadline(time.Now().Add(time.Second))
	c.Write(tooManyConns)
	c.Close()
}

func networkOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return TruncateIP(t.IP.String())
	}
	return a.String()
}

// countedConn gives its slot back once, on the first Close.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}
